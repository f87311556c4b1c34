using DynamicCot.Keyphrases.Images.Native;

namespace DynamicCot.Keyphrases.Images;

/// <summary>
/// The libvips side of a decode, one method per step. Each step either succeeds or throws
/// <see cref="VipsNativeException"/>; <see cref="ImageDecoder"/> decides what that means for the caller.
/// </summary>
internal static unsafe class VipsDecodeSteps
{
    /// <summary>Width and height of the first frame, read from the header only (libvips loaders are lazy).</summary>
    public static (int Width, int Height) ReadHeader(ImageFormat format, ReadOnlySpan<byte> data)
    {
        using var load = VipsOperation.Create(LoaderNickname(format)).SetBlob("buffer", data).Build();
        using var image = load.GetImage("out");
        return (VipsApi.vips_image_get_width(image), VipsApi.vips_image_get_height(image));
    }

    /// <summary>
    /// Loads the first frame upright (EXIF orientation applied), shrunk on load to fit a
    /// <paramref name="longSide"/> square, never enlarged.
    /// </summary>
    public static SafeVipsImageHandle LoadShrunk(ReadOnlySpan<byte> data, int longSide, DamageTolerance tolerance)
    {
        var failOn = tolerance == DamageTolerance.FailOnTruncated ? "truncated" : "error";
        using var thumbnail = VipsOperation.Create("thumbnail_buffer")
            .SetBlob("buffer", data)
            .Set("width", longSide)
            .Set("height", longSide)
            .SetEnum("size", "down")
            .SetEnum("fail_on", failOn)
            // Measured with 8.18.7: thumbnail's own fail_on alone let a truncated JPEG through (grey fill); the
            // same setting passed on to the loader rejects it.
            .Set("option_string", $"fail_on={failOn}")
            .Build();
        return thumbnail.GetImage("out");
    }

    /// <summary>Flattens alpha, converts to sRGB and to 8 bits: returns an image of 3 uchar sRGB bands.</summary>
    public static SafeVipsImageHandle ToRgb8(SafeVipsImageHandle image, AlphaBackground background)
    {
        var current = image;
        try
        {
            if (VipsApi.vips_image_hasalpha(current))
            {
                // The background is in the image's own scale: 255 for 8-bit, 65535 for 16-bit.
                var white = VipsApi.vips_interpretation_max_alpha(VipsApi.vips_image_get_interpretation(current));
                double[] ink = [background == AlphaBackground.White ? white : 0];
                current = Replace(current, image, Apply("flatten", current, op => op.Set("background", ink)));
            }
            if (VipsApi.vips_image_get_interpretation(current) != VipsInterpretation.Srgb
                || VipsApi.vips_image_get_bands(current) != DecodedImage.Channels
                || VipsApi.vips_image_get_format(current) != VipsBandFormat.UChar)
            {
                // Greyscale, 16-bit and anything else libvips can convert; CMYK was already imported by thumbnail.
                current = Replace(current, image, Apply("colourspace", current, op => op.SetEnum("space", "srgb")));
            }
            if (VipsApi.vips_image_get_format(current) != VipsBandFormat.UChar)
                current = Replace(current, image, Apply("cast", current, op => op.SetEnum("format", "uchar")));
            var bands = VipsApi.vips_image_get_bands(current);
            if (bands != DecodedImage.Channels)
                throw new VipsNativeException("colourspace", $"libvips produced {bands} bands instead of {DecodedImage.Channels}.");
            return current;
        }
        catch
        {
            if (!ReferenceEquals(current, image))
                current.Dispose();
            throw;
        }
    }

    /// <summary>Computes the pixels (this is where the real decoding happens) into a new managed array.</summary>
    public static byte[] WritePixels(SafeVipsImageHandle image, out int width, out int height)
    {
        width = VipsApi.vips_image_get_width(image);
        height = VipsApi.vips_image_get_height(image);
        nuint size;
        var pixels = VipsApi.vips_image_write_to_memory(image, &size);
        if (pixels == null)
            throw VipsErrors.Capture("vips_image_write_to_memory");
        try
        {
            var expected = (long)width * height * DecodedImage.Channels;
            if ((long)size != expected)
                throw new VipsNativeException("vips_image_write_to_memory", $"libvips wrote {size} bytes, expected {expected}.");
            return new ReadOnlySpan<byte>(pixels, (int)size).ToArray();
        }
        finally
        {
            VipsApi.g_free(pixels);
        }
    }

    private static string LoaderNickname(ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => "jpegload_buffer",
        ImageFormat.Png => "pngload_buffer",
        ImageFormat.WebP => "webpload_buffer",
        ImageFormat.Gif => "gifload_buffer",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    private static SafeVipsImageHandle Apply(string nickname, SafeVipsImageHandle input, Action<VipsOperation> configure)
    {
        using var operation = VipsOperation.Create(nickname).Set("in", input);
        configure(operation);
        return operation.Build().GetImage("out");
    }

    /// <summary>Moves on to <paramref name="next"/>, releasing the intermediate image (never the caller's original).</summary>
    private static SafeVipsImageHandle Replace(SafeVipsImageHandle current, SafeVipsImageHandle original, SafeVipsImageHandle next)
    {
        if (!ReferenceEquals(current, original))
            current.Dispose();
        return next;
    }
}
