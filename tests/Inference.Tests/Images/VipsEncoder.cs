using DynamicCot.Inference.Images;
using DynamicCot.Inference.Images.Vips;
using NetVips;

namespace DynamicCot.Inference.Tests.Images;

/// <summary>Makes test inputs from real decoded photos with libvips' own savers (through NetVips).</summary>
internal static class VipsEncoder
{
    /// <summary>An image of the given interleaved uchar bands, marked sRGB.</summary>
    public static Image FromPixels(ReadOnlySpan<byte> pixels, int width, int height, int bands)
    {
        VipsRuntime.EnsureStarted();
        using var raw = Image.NewFromMemoryCopy(pixels, width, height, bands, Enums.BandFormat.Uchar);
        return raw.Copy(interpretation: Enums.Interpretation.Srgb);
    }

    public static Image FromDecoded(DecodedImage image) => FromPixels(image.Rgb.Span, image.Width, image.Height, 3);

    public static byte[] Png(Image image) => image.PngsaveBuffer();

    public static byte[] LosslessWebp(Image image) => image.WebpsaveBuffer(lossless: true);

    /// <summary>The same pixels with the EXIF/XMP orientation tag set (savers write it into the file's metadata).</summary>
    public static Image WithOrientation(Image image, int orientation)
        => image.Mutate(m => m.Set(GValue.GIntType, "orientation", orientation));

    /// <summary>Frames stacked vertically with <c>page-height</c> set: libvips' layout of an animation.</summary>
    public static Image Animation(params Image[] frames)
    {
        using var joined = Image.Arrayjoin(frames, across: 1);
        var pageHeight = frames[0].Height;
        return joined.Mutate(m => m.Set(GValue.GIntType, "page-height", pageHeight));
    }

    public static Image Solid(int width, int height, byte r, byte g, byte b)
    {
        var pixels = new byte[width * height * 3];
        for (var i = 0; i < pixels.Length; i += 3)
        {
            pixels[i] = r;
            pixels[i + 1] = g;
            pixels[i + 2] = b;
        }
        return FromPixels(pixels, width, height, 3);
    }
}
