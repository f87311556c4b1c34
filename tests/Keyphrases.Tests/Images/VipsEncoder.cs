using DynamicCot.Keyphrases.Images;
using DynamicCot.Keyphrases.Images.Native;

namespace DynamicCot.Keyphrases.Tests.Images;

/// <summary>
/// Makes test inputs from real decoded photos with libvips' own savers, through the same binding the decoder uses
/// (so the savers' non-variadic route is exercised too).
/// </summary>
internal static unsafe class VipsEncoder
{
    /// <summary>An image of the given interleaved uchar bands, marked sRGB.</summary>
    public static SafeVipsImageHandle FromPixels(ReadOnlySpan<byte> pixels, int width, int height, int bands)
    {
        VipsLibrary.EnsureInitialized();
        SafeVipsImageHandle raw;
        fixed (byte* data = pixels)
            raw = VipsApi.vips_image_new_from_memory_copy(data, (nuint)pixels.Length, width, height, bands, VipsBandFormat.UChar);
        using (raw)
        {
            VipsErrors.CheckHandle(raw, "vips_image_new_from_memory_copy");
            return Apply("copy", raw, op => op.SetEnum("interpretation", "srgb"));
        }
    }

    public static SafeVipsImageHandle FromDecoded(DecodedImage image) => FromPixels(image.Rgb.Span, image.Width, image.Height, 3);

    public static SafeVipsImageHandle Apply(string nickname, SafeVipsImageHandle input, Action<VipsOperation> configure)
    {
        using var operation = VipsOperation.Create(nickname).Set("in", input);
        configure(operation);
        return operation.Build().GetImage("out");
    }

    /// <summary>Runs a <c>*save_buffer</c> operation and returns the file bytes.</summary>
    public static byte[] Save(string saver, SafeVipsImageHandle image, Action<VipsOperation>? configure = null)
    {
        using var operation = VipsOperation.Create(saver).Set("in", image);
        configure?.Invoke(operation);
        return operation.Build().GetBlob("buffer");
    }

    /// <summary>Frames stacked vertically with <c>page-height</c> set: libvips' layout of an animation.</summary>
    public static SafeVipsImageHandle Animation(params SafeVipsImageHandle[] frames)
    {
        using var join = VipsOperation.Create("arrayjoin").Set("in", frames).Set("across", 1).Build();
        var joined = join.GetImage("out");
        VipsApi.vips_image_set_int(joined, "page-height", VipsApi.vips_image_get_height(frames[0]));
        return joined;
    }

    public static SafeVipsImageHandle Solid(int width, int height, byte r, byte g, byte b)
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
