using System.Runtime.InteropServices;

namespace DynamicCot.Keyphrases.Images.Native;

// vips/header.h, image.h: reading an image's header fields and writing its pixels to memory.
internal static unsafe partial class VipsApi
{
    [LibraryImport(LibraryName)]
    public static partial int vips_image_get_width(SafeVipsImageHandle image);

    [LibraryImport(LibraryName)]
    public static partial int vips_image_get_height(SafeVipsImageHandle image);

    [LibraryImport(LibraryName)]
    public static partial int vips_image_get_bands(SafeVipsImageHandle image);

    [LibraryImport(LibraryName)]
    public static partial VipsBandFormat vips_image_get_format(SafeVipsImageHandle image);

    [LibraryImport(LibraryName)]
    public static partial VipsInterpretation vips_image_get_interpretation(SafeVipsImageHandle image);

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool vips_image_hasalpha(SafeVipsImageHandle image);

    [LibraryImport(LibraryName)]
    public static partial int vips_image_get_n_pages(SafeVipsImageHandle image);

    [LibraryImport(LibraryName)]
    public static partial double vips_interpretation_max_alpha(VipsInterpretation interpretation);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void vips_image_set_int(SafeVipsImageHandle image, string name, int value);

    /// <summary>Computes the image into a new <c>g_malloc</c> buffer (free with <c>g_free</c>), or null on error.</summary>
    [LibraryImport(LibraryName)]
    public static partial void* vips_image_write_to_memory(SafeVipsImageHandle image, nuint* size);

    [LibraryImport(LibraryName)]
    public static partial SafeVipsImageHandle vips_image_new_from_memory_copy(void* data, nuint size, int width, int height, int bands, VipsBandFormat format);
}

/// <summary><c>VipsBandFormat</c> (vips/image.h).</summary>
internal enum VipsBandFormat
{
    NotSet = -1,
    UChar = 0,
    Char = 1,
    UShort = 2,
    Short = 3,
    UInt = 4,
    Int = 5,
    Float = 6,
    Complex = 7,
    Double = 8,
    DpComplex = 9,
}

/// <summary><c>VipsInterpretation</c> (vips/image.h); only the values this code tests for.</summary>
internal enum VipsInterpretation
{
    Multiband = 0,
    BW = 1,
    Cmyk = 15,
    Srgb = 22,
    Rgb16 = 26,
    Grey16 = 27,
}
