using DynamicCot.Finetune.ModelInputs;
using DynamicCot.Inference.Images;

namespace DynamicCot.Finetune.Torch;

/// <summary>
/// Prepares an image file for the TorchSharp vision tower as the served engine prepares it for mtmd: decoded by the
/// project's <see cref="ImageDecoder"/> (upright sRGB, bounded size — what the plugin hands to mtmd), then resized as
/// mtmd's Qwen-VL preprocessor does: the canvas is <see cref="VisionImageSize"/> for the run's image-token budget, the
/// picture is scaled into it keeping its aspect ratio (sides rounded up), centred, and the rest filled black; the
/// scaling is mtmd's corner-aligned bilinear (<see cref="CornerAlignedBilinear"/>).
/// </summary>
public sealed class VisionImagePreparer(int tokenPixels, int imageMaxTokens, ImageDecoderOptions? decoding = null) : IDisposable
{
    private readonly ImageDecoder _decoder = new(decoding);

    public int TokenPixels { get; } = tokenPixels;
    public int ImageMaxTokens { get; } = imageMaxTokens;

    /// <exception cref="ImageDecodeException">The image cannot be decoded (the message names it).</exception>
    public VisionPixels Prepare(string imagePath)
    {
        var image = _decoder.Decode(File.ReadAllBytes(imagePath), Path.GetFileName(imagePath));
        return Prepare(image.Rgb.Span, image.Width, image.Height, image.Input);
    }

    public VisionPixels Prepare(ReadOnlySpan<byte> rgb, int width, int height, string label)
    {
        var (canvasWidth, canvasHeight) = VisionImageSize.For(width, height, TokenPixels, ImageMaxTokens);
        return new VisionPixels(Letterbox(rgb, width, height, canvasWidth, canvasHeight), canvasWidth, canvasHeight, label);
    }

    /// <summary>The picture scaled by min(canvas/size) per side (rounded up, single precision as mtmd), centred on black.</summary>
    public static byte[] Letterbox(ReadOnlySpan<byte> rgb, int width, int height, int canvasWidth, int canvasHeight)
    {
        if (width == canvasWidth && height == canvasHeight)
            return rgb.ToArray();
        var scale = Math.Min((float)canvasWidth / width, (float)canvasHeight / height);
        var innerWidth = Math.Min((int)MathF.Ceiling(width * scale), canvasWidth);
        var innerHeight = Math.Min((int)MathF.Ceiling(height * scale), canvasHeight);
        var inner = CornerAlignedBilinear.Resize(rgb, width, height, innerWidth, innerHeight);
        var canvas = new byte[canvasWidth * canvasHeight * 3];
        int left = (canvasWidth - innerWidth) / 2, top = (canvasHeight - innerHeight) / 2;
        for (var y = 0; y < innerHeight; y++)
            Array.Copy(inner, y * innerWidth * 3, canvas, ((y + top) * canvasWidth + left) * 3, innerWidth * 3);
        return canvas;
    }

    public void Dispose() => _decoder.Dispose();
}
