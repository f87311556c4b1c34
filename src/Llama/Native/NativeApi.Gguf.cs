using System.Runtime.InteropServices;
using DynamicCot.Gguf;

namespace DynamicCot.Llama.Native;

// gguf.h: the native GGUF reader/writer. Used to cross-check the managed GGUF code against llama.cpp's own.
public static unsafe partial class NativeApi
{
    [LibraryImport(LibraryName)]
    public static partial SafeGgufContextHandle gguf_init_empty();

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial SafeGgufContextHandle gguf_init_from_file(string path, GgufInitParams parameters);

    [LibraryImport(LibraryName)]
    public static partial void gguf_free(nint context);

    [LibraryImport(LibraryName)]
    public static partial uint gguf_get_version(SafeGgufContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial nuint gguf_get_alignment(SafeGgufContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial nuint gguf_get_data_offset(SafeGgufContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial long gguf_get_n_kv(SafeGgufContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial nint gguf_get_key(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName)]
    public static partial GgufType gguf_get_kv_type(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName)]
    public static partial GgufType gguf_get_arr_type(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName)]
    public static partial nuint gguf_get_arr_n(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName)]
    public static partial void* gguf_get_arr_data(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName)]
    public static partial nint gguf_get_arr_str(SafeGgufContextHandle context, long keyId, nuint index);

    [LibraryImport(LibraryName)]
    public static partial uint gguf_get_val_u32(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName)]
    public static partial int gguf_get_val_i32(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName)]
    public static partial float gguf_get_val_f32(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName)]
    public static partial ulong gguf_get_val_u64(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool gguf_get_val_bool(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName)]
    public static partial nint gguf_get_val_str(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName)]
    public static partial long gguf_get_n_tensors(SafeGgufContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial nuint gguf_get_tensor_offset(SafeGgufContextHandle context, long tensorId);

    [LibraryImport(LibraryName)]
    public static partial nint gguf_get_tensor_name(SafeGgufContextHandle context, long tensorId);

    /// <summary>Returns ne[GGML_MAX_DIMS] (unused dimensions are 1).</summary>
    [LibraryImport(LibraryName)]
    public static partial long* gguf_get_tensor_ne(SafeGgufContextHandle context, long tensorId);

    [LibraryImport(LibraryName)]
    public static partial long gguf_get_val_i64(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName)]
    public static partial double gguf_get_val_f64(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName)]
    public static partial GgmlType gguf_get_tensor_type(SafeGgufContextHandle context, long tensorId);

    [LibraryImport(LibraryName)]
    public static partial nuint gguf_get_tensor_size(SafeGgufContextHandle context, long tensorId);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gguf_set_val_u32(SafeGgufContextHandle context, string key, uint value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gguf_set_val_str(SafeGgufContextHandle context, string key, string value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool gguf_write_to_file(SafeGgufContextHandle context, string path, [MarshalAs(UnmanagedType.U1)] bool onlyMeta);

    [LibraryImport(LibraryName)]
    public static partial byte gguf_get_val_u8(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName)]
    public static partial sbyte gguf_get_val_i8(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName)]
    public static partial ushort gguf_get_val_u16(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName)]
    public static partial short gguf_get_val_i16(SafeGgufContextHandle context, long keyId);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gguf_set_val_u8(SafeGgufContextHandle context, string key, byte value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gguf_set_val_i8(SafeGgufContextHandle context, string key, sbyte value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gguf_set_val_u16(SafeGgufContextHandle context, string key, ushort value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gguf_set_val_i16(SafeGgufContextHandle context, string key, short value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gguf_set_val_i32(SafeGgufContextHandle context, string key, int value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gguf_set_val_f32(SafeGgufContextHandle context, string key, float value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gguf_set_val_u64(SafeGgufContextHandle context, string key, ulong value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gguf_set_val_i64(SafeGgufContextHandle context, string key, long value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gguf_set_val_f64(SafeGgufContextHandle context, string key, double value);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gguf_set_val_bool(SafeGgufContextHandle context, string key, [MarshalAs(UnmanagedType.U1)] bool value);

    /// <summary>Copies <paramref name="count"/> elements of <paramref name="type"/> from <paramref name="data"/> (bools as one byte each).</summary>
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gguf_set_arr_data(SafeGgufContextHandle context, string key, GgufType type, void* data, nuint count);

    /// <summary><paramref name="data"/> is <c>const char **</c>: <paramref name="count"/> NUL-terminated UTF-8 strings, copied.</summary>
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gguf_set_arr_str(SafeGgufContextHandle context, string key, byte** data, nuint count);

    /// <summary>Copies the tensor's name, type and shape (not its data) into the context; aborts on a duplicate name.</summary>
    [LibraryImport(LibraryName)]
    public static partial void gguf_add_tensor(SafeGgufContextHandle context, nint tensor);

    /// <summary>Points the tensor at <paramref name="data"/> (not copied): it must stay valid until the context is written.</summary>
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void gguf_set_tensor_data(SafeGgufContextHandle context, string name, void* data);

}
