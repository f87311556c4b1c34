using System.Runtime.InteropServices;

namespace DynamicCot.Keyphrases.Images.Native;

// vips/operation.h, object.h, type.h, enumtypes: creating and running an operation by nickname, and the boxed
// argument types (blob, double array) and enum lookups its properties need.
internal static unsafe partial class VipsApi
{
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial SafeVipsOperationHandle vips_operation_new(string nickname);

    /// <summary>Builds (or fetches from the cache) and returns a new reference to the built operation, or null on error.</summary>
    [LibraryImport(LibraryName)]
    public static partial nint vips_cache_operation_build(SafeVipsOperationHandle operation);

    [LibraryImport(LibraryName)]
    public static partial void vips_object_unref_outputs(SafeVipsOperationHandle operation);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int vips_enum_from_nick(string domain, nint enumType, string nick);

    /// <summary>A new blob holding a copy of the bytes (refcount 1).</summary>
    [LibraryImport(LibraryName)]
    public static partial nint vips_blob_copy(void* data, nuint length);

    [LibraryImport(LibraryName)]
    public static partial void* vips_blob_get(nint blob, nuint* length);

    [LibraryImport(LibraryName)]
    public static partial nint vips_array_double_new(double* values, int count);

    [LibraryImport(LibraryName)]
    public static partial nint vips_array_image_new(nint* images, int count);

    [LibraryImport(LibraryName)]
    public static partial void vips_area_unref(nint area);
}
