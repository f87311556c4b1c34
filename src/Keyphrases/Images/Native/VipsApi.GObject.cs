using System.Runtime.InteropServices;

namespace DynamicCot.Keyphrases.Images.Native;

// glib/gobject, linked into the libvips file: reference counting, properties through GValue, memory, logging.
internal static unsafe partial class VipsApi
{
    [LibraryImport(LibraryName)]
    public static partial nint g_object_ref(nint instance);

    [LibraryImport(LibraryName)]
    public static partial void g_object_unref(nint instance);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint g_object_class_find_property(nint objectClass, string name);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void g_object_set_property(SafeGObjectHandle instance, string name, GValue* value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void g_object_get_property(SafeGObjectHandle instance, string name, GValue* value);

    [LibraryImport(LibraryName)]
    public static partial GValue* g_value_init(GValue* value, nint type);

    [LibraryImport(LibraryName)]
    public static partial void g_value_unset(GValue* value);

    [LibraryImport(LibraryName)]
    public static partial void g_value_set_int(GValue* value, int number);

    [LibraryImport(LibraryName)]
    public static partial void g_value_set_boolean(GValue* value, int flag);

    [LibraryImport(LibraryName)]
    public static partial void g_value_set_double(GValue* value, double number);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void g_value_set_string(GValue* value, string text);

    [LibraryImport(LibraryName)]
    public static partial void g_value_set_enum(GValue* value, int number);

    [LibraryImport(LibraryName)]
    public static partial void g_value_set_boxed(GValue* value, nint boxed);

    [LibraryImport(LibraryName)]
    public static partial void g_value_set_object(GValue* value, nint instance);

    [LibraryImport(LibraryName)]
    public static partial nint g_value_get_object(GValue* value);

    [LibraryImport(LibraryName)]
    public static partial nint g_value_get_boxed(GValue* value);

    [LibraryImport(LibraryName)]
    public static partial nint g_type_fundamental(nint type);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint g_type_from_name(string name);

    [LibraryImport(LibraryName)]
    public static partial void g_free(void* memory);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint g_log_set_handler(string domain, int levels, delegate* unmanaged<byte*, int, byte*, nint, void> handler, nint userData);
}

/// <summary>
/// <c>GValue</c>: a GType (8 bytes) and a two-word data union, 24 bytes in all. It must be zeroed before
/// <c>g_value_init</c> and released with <c>g_value_unset</c>.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 24)]
internal struct GValue
{
    public nint GType;
    public long Data0;
    public long Data1;
}

/// <summary>Fundamental GTypes (gtype.h: <c>G_TYPE_MAKE_FUNDAMENTAL(n)</c> = n &lt;&lt; 2).</summary>
internal static class GFundamentalType
{
    public const nint Boolean = 5 << 2;
    public const nint Int = 6 << 2;
    public const nint Enum = 12 << 2;
    public const nint Double = 15 << 2;
    public const nint String = 16 << 2;
    public const nint Boxed = 18 << 2;
    public const nint Object = 20 << 2;
}
