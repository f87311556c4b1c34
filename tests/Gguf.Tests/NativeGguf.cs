using System.Runtime.InteropServices;
using System.Text;
using DynamicCot.Llama;
using DynamicCot.Gguf;
using DynamicCot.Llama.Native;

namespace DynamicCot.Gguf.Tests;

/// <summary>Reads and writes GGUF through llama.cpp's own gguf API, to cross-check the managed implementation.</summary>
internal static unsafe class NativeGguf
{
    public sealed record NativeTensor(string Name, GgmlType Type, long[] Ne, ulong Offset, ulong Size, byte[]? Data);

    public sealed record NativeContents(
        uint Version, ulong Alignment, ulong DataOffset, IReadOnlyList<GgufKeyValue> Metadata, IReadOnlyList<NativeTensor> Tensors);

    /// <summary>Everything llama.cpp reads from <paramref name="path"/>; tensor data only when <paramref name="withData"/>.</summary>
    public static NativeContents Read(string path, bool withData = true)
    {
        LlamaBackend.Initialize();
        nint ggmlContext = 0;
        var parameters = new GgufInitParams { NoAlloc = withData ? (byte)0 : (byte)1, Context = withData ? (nint)(&ggmlContext) : 0 };
        using var context = NativeApi.gguf_init_from_file(path, parameters);
        Assert.False(context.IsInvalid, $"llama.cpp could not read {path}");
        try
        {
            var metadata = new List<GgufKeyValue>();
            for (long i = 0; i < NativeApi.gguf_get_n_kv(context); i++)
                metadata.Add(new GgufKeyValue(NativeApi.PtrToString(NativeApi.gguf_get_key(context, i))!, Value(context, i)));
            var tensors = new List<NativeTensor>();
            for (long i = 0; i < NativeApi.gguf_get_n_tensors(context); i++)
            {
                var name = NativeApi.PtrToString(NativeApi.gguf_get_tensor_name(context, i))!;
                var ne = new ReadOnlySpan<long>(NativeApi.gguf_get_tensor_ne(context, i), 4).ToArray();
                var size = (ulong)NativeApi.gguf_get_tensor_size(context, i);
                byte[]? data = null;
                if (withData)
                {
                    var tensor = (GgmlTensorHeader*)NativeApi.ggml_get_tensor(ggmlContext, name);
                    data = new ReadOnlySpan<byte>((void*)tensor->Data, checked((int)size)).ToArray();
                }
                tensors.Add(new NativeTensor(name, NativeApi.gguf_get_tensor_type(context, i), ne,
                    (ulong)NativeApi.gguf_get_tensor_offset(context, i), size, data));
            }
            return new NativeContents(NativeApi.gguf_get_version(context), NativeApi.gguf_get_alignment(context),
                NativeApi.gguf_get_data_offset(context), metadata, tensors);
        }
        finally
        {
            if (ggmlContext != 0)
                NativeApi.ggml_free(ggmlContext);
        }
    }

    private static GgufValue Value(SafeGgufContextHandle context, long id)
    {
        // Each getter aborts the process on a type mismatch, so dispatch strictly on the reported type.
        var type = NativeApi.gguf_get_kv_type(context, id);
        return type switch
        {
            GgufType.UInt8 => GgufValue.UInt8(NativeApi.gguf_get_val_u8(context, id)),
            GgufType.Int8 => GgufValue.Int8(NativeApi.gguf_get_val_i8(context, id)),
            GgufType.UInt16 => GgufValue.UInt16(NativeApi.gguf_get_val_u16(context, id)),
            GgufType.Int16 => GgufValue.Int16(NativeApi.gguf_get_val_i16(context, id)),
            GgufType.UInt32 => GgufValue.UInt32(NativeApi.gguf_get_val_u32(context, id)),
            GgufType.Int32 => GgufValue.Int32(NativeApi.gguf_get_val_i32(context, id)),
            GgufType.Float32 => GgufValue.Float32(NativeApi.gguf_get_val_f32(context, id)),
            GgufType.Bool => GgufValue.Bool(NativeApi.gguf_get_val_bool(context, id)),
            GgufType.UInt64 => GgufValue.UInt64(NativeApi.gguf_get_val_u64(context, id)),
            GgufType.Int64 => GgufValue.Int64(NativeApi.gguf_get_val_i64(context, id)),
            GgufType.Float64 => GgufValue.Float64(NativeApi.gguf_get_val_f64(context, id)),
            GgufType.String => GgufValue.String(NativeApi.PtrToString(NativeApi.gguf_get_val_str(context, id))!),
            GgufType.Array => ArrayValue(context, id),
            _ => throw new InvalidOperationException($"unexpected native type {type}"),
        };
    }

    private static GgufValue ArrayValue(SafeGgufContextHandle context, long id)
    {
        var elementType = NativeApi.gguf_get_arr_type(context, id);
        var n = (int)NativeApi.gguf_get_arr_n(context, id);
        if (elementType == GgufType.String)
            return GgufValue.Strings(Enumerable.Range(0, n).Select(i => NativeApi.PtrToString(NativeApi.gguf_get_arr_str(context, id, (nuint)i))!));
        var data = NativeApi.gguf_get_arr_data(context, id);
        return elementType switch
        {
            GgufType.UInt8 => GgufValue.Array(new ReadOnlySpan<byte>(data, n)),
            GgufType.Int8 => GgufValue.Array(new ReadOnlySpan<sbyte>(data, n)),
            GgufType.UInt16 => GgufValue.Array(new ReadOnlySpan<ushort>(data, n)),
            GgufType.Int16 => GgufValue.Array(new ReadOnlySpan<short>(data, n)),
            GgufType.UInt32 => GgufValue.Array(new ReadOnlySpan<uint>(data, n)),
            GgufType.Int32 => GgufValue.Array(new ReadOnlySpan<int>(data, n)),
            GgufType.Float32 => GgufValue.Array(new ReadOnlySpan<float>(data, n)),
            GgufType.Bool => GgufValue.Array(new ReadOnlySpan<byte>(data, n).ToArray().Select(b => b != 0).ToArray()),
            GgufType.UInt64 => GgufValue.Array(new ReadOnlySpan<ulong>(data, n)),
            GgufType.Int64 => GgufValue.Array(new ReadOnlySpan<long>(data, n)),
            GgufType.Float64 => GgufValue.Array(new ReadOnlySpan<double>(data, n)),
            _ => throw new InvalidOperationException($"unexpected native array type {elementType}"),
        };
    }

    /// <summary>Writes a GGUF with llama.cpp's writer (gguf_init_empty, gguf_set_*, gguf_add_tensor, gguf_write_to_file).</summary>
    public static void Write(string path, IEnumerable<GgufKeyValue> metadata, IReadOnlyList<GgufSamples.SampleTensor> tensors)
    {
        LlamaBackend.Initialize();
        using var context = NativeApi.gguf_init_empty();
        foreach (var (key, value) in metadata)
            Set(context, key, value);

        var buffers = new List<nint>();
        using var ggml = NativeApi.ggml_init(new GgmlInitParams
        {
            MemSize = NativeApi.ggml_tensor_overhead() * (nuint)(tensors.Count + 1),
            NoAlloc = 1,
        });
        try
        {
            foreach (var t in tensors)
            {
                var d = t.Dims.Select(x => (long)x).ToArray();
                var handle = ggml.DangerousGetHandle();
                var tensor = d.Length switch
                {
                    1 => NativeApi.ggml_new_tensor_1d(handle, t.Type, d[0]),
                    2 => NativeApi.ggml_new_tensor_2d(handle, t.Type, d[0], d[1]),
                    3 => NativeApi.ggml_new_tensor_3d(handle, t.Type, d[0], d[1], d[2]),
                    _ => NativeApi.ggml_new_tensor_4d(handle, t.Type, d[0], d[1], d[2], d[3]),
                };
                NativeApi.ggml_set_name(tensor, t.Name);
                NativeApi.gguf_add_tensor(context, tensor);
                var buffer = (nint)NativeMemory.Alloc((nuint)Math.Max(1, t.Data.Length));
                buffers.Add(buffer);
                t.Data.CopyTo(new Span<byte>((void*)buffer, t.Data.Length));
                NativeApi.gguf_set_tensor_data(context, t.Name, (void*)buffer);
            }
            Assert.True(NativeApi.gguf_write_to_file(context, path, onlyMeta: false), $"llama.cpp could not write {path}");
        }
        finally
        {
            foreach (var buffer in buffers)
                NativeMemory.Free((void*)buffer);
        }
    }

    private static void Set(SafeGgufContextHandle context, string key, GgufValue value)
    {
        switch (value.Type)
        {
            case GgufType.UInt8: NativeApi.gguf_set_val_u8(context, key, value.AsUInt8()); break;
            case GgufType.Int8: NativeApi.gguf_set_val_i8(context, key, value.AsInt8()); break;
            case GgufType.UInt16: NativeApi.gguf_set_val_u16(context, key, value.AsUInt16()); break;
            case GgufType.Int16: NativeApi.gguf_set_val_i16(context, key, value.AsInt16()); break;
            case GgufType.UInt32: NativeApi.gguf_set_val_u32(context, key, value.AsUInt32()); break;
            case GgufType.Int32: NativeApi.gguf_set_val_i32(context, key, value.AsInt32()); break;
            case GgufType.Float32: NativeApi.gguf_set_val_f32(context, key, value.AsFloat32()); break;
            case GgufType.Bool: NativeApi.gguf_set_val_bool(context, key, value.AsBool()); break;
            case GgufType.UInt64: NativeApi.gguf_set_val_u64(context, key, value.AsUInt64()); break;
            case GgufType.Int64: NativeApi.gguf_set_val_i64(context, key, value.AsInt64()); break;
            case GgufType.Float64: NativeApi.gguf_set_val_f64(context, key, value.AsFloat64()); break;
            case GgufType.String: NativeApi.gguf_set_val_str(context, key, value.AsString()); break;
            case GgufType.Array when value.ElementType == GgufType.String: SetStrings(context, key, value.AsSpan<string>()); break;
            case GgufType.Array: SetNumbers(context, key, value); break;
            default: throw new InvalidOperationException($"cannot set {value.DescribeType()}");
        }
    }

    private static void SetNumbers(SafeGgufContextHandle context, string key, GgufValue value)
    {
        // Bools travel as one byte each, as gguf stores them.
        var bytes = value.ElementType == GgufType.Bool
            ? value.AsSpan<bool>().ToArray().Select(b => b ? (byte)1 : (byte)0).ToArray()
            : ArrayBytes((Array)value.RawValue);
        fixed (byte* data = bytes)
            NativeApi.gguf_set_arr_data(context, key, value.ElementType, data, (nuint)value.Count);
    }

    private static byte[] ArrayBytes(Array array)
    {
        var bytes = new byte[Buffer.ByteLength(array)];
        Buffer.BlockCopy(array, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static void SetStrings(SafeGgufContextHandle context, string key, ReadOnlySpan<string> values)
    {
        var allocations = new nint[values.Length];
        try
        {
            for (var i = 0; i < values.Length; i++)
                allocations[i] = Marshal.StringToCoTaskMemUTF8(values[i]);
            fixed (nint* pointers = allocations)
                NativeApi.gguf_set_arr_str(context, key, (byte**)pointers, (nuint)values.Length);
        }
        finally
        {
            foreach (var p in allocations)
                Marshal.FreeCoTaskMem(p);
        }
    }
}
