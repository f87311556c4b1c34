using System.Runtime.InteropServices;

namespace DynamicCot.Keyphrases.Images.Native;

/// <summary>
/// The raw C API of the pinned libvips build (8.18.7 from <c>@img/sharp-libvips-linux-x64</c>; glib and gobject are
/// linked into the same file), one file per area. Only non-variadic functions are bound: the variadic convenience
/// calls (<c>vips_thumbnail_buffer(…, NULL)</c>) are reached through the GObject property route in
/// <see cref="VipsOperation"/> instead. Nothing here validates or throws; failures become exceptions in
/// <see cref="VipsErrors"/>.
/// </summary>
internal static unsafe partial class VipsApi
{
    /// <summary>Logical library name; <see cref="VipsLibrary"/> resolves it to the file it opened.</summary>
    public const string LibraryName = "dynamiccot-vips";

    /// <summary>Reads a null-terminated UTF-8 string owned by the library.</summary>
    public static string? PtrToString(nint text) => text == 0 ? null : Marshal.PtrToStringUTF8(text);
}
