using NetVips;

namespace DynamicCot.Inference.Images.Vips;

/// <summary>
/// The libvips side of a decode, one method per step. Each step either succeeds or throws NetVips'
/// <see cref="VipsException"/>; <see cref="ImageDecoder"/> decides what that means for the caller.
/// </summary>
internal static class VipsDecodePipeline
{
    /// <summary>
    /// Copies the input once into memory libvips owns, so the caller's buffer need not outlive the decode and
    /// the header read and the decode share one copy.
    /// </summary>
    public static Source OpenSource(ReadOnlySpan<byte> data) => Source.NewFromMemory(data);

    /// <summary>
    /// Width and height of the first frame, read from the header only (libvips loaders are lazy), with the loader
    /// of the format the magic bytes named: a file cannot pick another loader by what it claims inside.
    /// </summary>
    public static (int Width, int Height) ReadHeader(ImageFormat format, Source source)
    {
        using var image = format switch
        {
            ImageFormat.Jpeg => Image.JpegloadSource(source),
            ImageFormat.Png => Image.PngloadSource(source),
            ImageFormat.WebP => Image.WebploadSource(source),
            ImageFormat.Gif => Image.GifloadSource(source),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
        };
        return (image.Width, image.Height);
    }

    /// <summary>
    /// Decodes the first frame upright (EXIF orientation applied), shrunk on load to fit a <paramref name="longSide"/>
    /// square and never enlarged, into 8-bit sRGB with three interleaved bands.
    /// </summary>
    public static byte[] DecodeRgb(Source source, int longSide, DamageTolerance tolerance, AlphaBackground background,
        out int width, out int height)
    {
        var failOn = tolerance == DamageTolerance.FailOnTruncated ? Enums.FailOn.Truncated : Enums.FailOn.Error;
        // thumbnail's own fail_on alone let a truncated JPEG through (grey fill) in 8.18.7; the same setting
        // passed on to the loader through the option string rejects it.
        var optionString = tolerance == DamageTolerance.FailOnTruncated ? "fail_on=truncated" : "fail_on=error";
        using var thumbnail = Image.ThumbnailSource(source, longSide, optionString, height: longSide,
            size: Enums.Size.Down, failOn: failOn);
        using var rgb = ToRgb8(thumbnail, background);
        width = rgb.Width;
        height = rgb.Height;
        // This is where the pixels are really decoded (libvips pipelines are lazy).
        var pixels = rgb.WriteToMemory<byte>();
        var expected = (long)width * height * DecodedImage.Channels;
        if (pixels.LongLength != expected)
            throw new VipsException($"libvips wrote {pixels.LongLength} bytes, expected {expected}.");
        return pixels;
    }

    /// <summary>Flattens alpha, converts to sRGB and to 8 bits. Returns a new reference the caller disposes.</summary>
    private static Image ToRgb8(Image image, AlphaBackground background)
    {
        var current = image.Copy(); // a new reference, so every step below can dispose what it replaces
        try
        {
            if (current.HasAlpha())
            {
                // The background is in the image's own scale: 65535 for 16-bit, 255 for 8-bit.
                var white = current.Interpretation is Enums.Interpretation.Rgb16 or Enums.Interpretation.Grey16 ? 65535 : 255;
                current = Replace(current, current.Flatten([background == AlphaBackground.White ? white : 0]));
            }
            if (current.Interpretation != Enums.Interpretation.Srgb || current.Bands != DecodedImage.Channels
                || current.Format != Enums.BandFormat.Uchar)
            {
                // Greyscale, 16-bit and anything else libvips can convert; CMYK was already imported by thumbnail.
                current = Replace(current, current.Colourspace(Enums.Interpretation.Srgb));
            }
            if (current.Format != Enums.BandFormat.Uchar)
                current = Replace(current, current.Cast(Enums.BandFormat.Uchar));
            if (current.Bands != DecodedImage.Channels)
                throw new VipsException($"libvips produced {current.Bands} bands instead of {DecodedImage.Channels}.");
            return current;
        }
        catch
        {
            current.Dispose();
            throw;
        }
    }

    private static Image Replace(Image current, Image next)
    {
        current.Dispose();
        return next;
    }
}
