namespace DynamicCot.Inference.Images;

/// <summary>
/// An upright, 8-bit sRGB image with three interleaved channels (R, G, B), rows top to bottom, no padding: the
/// layout <c>mtmd_bitmap_init(nx, ny, data)</c> expects.
/// </summary>
public sealed class DecodedImage
{
    public const int Channels = 3;

    internal DecodedImage(string input, ImageFormat sourceFormat, int sourceWidth, int sourceHeight, int width, int height, byte[] rgb)
    {
        if (rgb.Length != (long)width * height * Channels)
            throw new ArgumentException($"Expected {width}×{height}×{Channels} bytes, got {rgb.Length}.", nameof(rgb));
        Input = input;
        SourceFormat = sourceFormat;
        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        Width = width;
        Height = height;
        Rgb = rgb;
    }

    /// <summary>The file name or label the image was decoded from.</summary>
    public string Input { get; }

    public ImageFormat SourceFormat { get; }

    /// <summary>Width stored in the file, before orientation and shrinking.</summary>
    public int SourceWidth { get; }

    /// <summary>Height stored in the file (one frame), before orientation and shrinking.</summary>
    public int SourceHeight { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Width × height × 3 bytes.</summary>
    public ReadOnlyMemory<byte> Rgb { get; }

    /// <summary>The R, G, B bytes of one pixel.</summary>
    public ReadOnlySpan<byte> Pixel(int x, int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(x);
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(x, Width);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
        return Rgb.Span.Slice((y * Width + x) * Channels, Channels);
    }
}
