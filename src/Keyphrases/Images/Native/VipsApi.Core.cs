using System.Runtime.InteropServices;

namespace DynamicCot.Keyphrases.Images.Native;

// vips/vips.h, error.h, threadpool.h, cache.h, operation.h: start-up, the global error buffer, and process-wide
// settings (concurrency, the operation cache, which loaders may run).
internal static unsafe partial class VipsApi
{
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int vips_init(string argv0);

    [LibraryImport(LibraryName)]
    public static partial int vips_version(int flag);

    /// <summary>Copies the error buffer and clears it, under libvips' own lock; free the result with <c>g_free</c>.</summary>
    [LibraryImport(LibraryName)]
    public static partial nint vips_error_buffer_copy();

    [LibraryImport(LibraryName)]
    public static partial void vips_error_clear();

    [LibraryImport(LibraryName)]
    public static partial void vips_concurrency_set(int concurrency);

    [LibraryImport(LibraryName)]
    public static partial void vips_cache_set_max(int max);

    [LibraryImport(LibraryName)]
    public static partial void vips_block_untrusted_set([MarshalAs(UnmanagedType.Bool)] bool state);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void vips_operation_block_set(string name, [MarshalAs(UnmanagedType.Bool)] bool state);
}
