using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.Finetune.Model;

/// <summary>
/// A ggml context of named tensors whose data lives in one backend buffer: frozen weights, or trainable parameters
/// and their optimizer moments. Tensor pointers stay valid while the store is alive.
/// </summary>
public sealed unsafe class GgmlTensorStore : IDisposable
{
    private readonly SafeGgmlContextHandle _context;
    private readonly Dictionary<string, nint> _tensors = new(StringComparer.Ordinal);
    private SafeGgmlBackendBufferHandle? _buffer;

    public GgmlTensorStore(int capacity)
    {
        LlamaCpp.Engine.LlamaBackend.Initialize();
        _context = NativeErrors.CheckHandle(NativeApi.ggml_init(new GgmlInitParams
        {
            MemSize = (nuint)(Math.Max(1, capacity) + 1) * NativeApi.ggml_tensor_overhead(),
            NoAlloc = 1,
        }), "ggml_init");
    }

    public nint Context => _context.DangerousGetHandle();

    public IReadOnlyDictionary<string, nint> Tensors => _tensors;

    public nint this[string name] => _tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"No tensor '{name}'.");

    public bool TryGet(string name, out nint tensor) => _tensors.TryGetValue(name, out tensor);

    public nint Create(string name, GgmlType type, ReadOnlySpan<long> dims)
    {
        if (_buffer is not null)
            throw new InvalidOperationException("Tensors cannot be added after the store is allocated.");
        var tensor = dims.Length switch
        {
            1 => NativeApi.ggml_new_tensor_1d(Context, type, dims[0]),
            2 => NativeApi.ggml_new_tensor_2d(Context, type, dims[0], dims[1]),
            3 => NativeApi.ggml_new_tensor_3d(Context, type, dims[0], dims[1], dims[2]),
            4 => NativeApi.ggml_new_tensor_4d(Context, type, dims[0], dims[1], dims[2], dims[3]),
            _ => throw new ArgumentException($"Tensor '{name}' has {dims.Length} dimensions."),
        };
        NativeErrors.CheckPointer(tensor, "ggml_new_tensor", name);
        NativeApi.ggml_set_name(tensor, name);
        _tensors.Add(name, tensor);
        return tensor;
    }

    /// <summary>Allocates every tensor in one buffer of <paramref name="backend"/>, zeroed.</summary>
    public void Allocate(GgmlCpuBackend backend)
    {
        _buffer = NativeApi.ggml_backend_alloc_ctx_tensors(Context, backend.Handle);
        NativeErrors.CheckHandle(_buffer, "ggml_backend_alloc_ctx_tensors");
        NativeApi.ggml_backend_buffer_clear(_buffer, 0);
    }

    public long BufferBytes => _buffer is null ? 0 : (long)NativeApi.ggml_backend_buffer_get_size(_buffer);

    public static void Write(nint tensor, ReadOnlySpan<byte> data)
    {
        var size = NativeApi.ggml_nbytes(tensor);
        if ((nuint)data.Length != size)
            throw new ArgumentException($"Tensor '{NameOf(tensor)}' holds {size} bytes, got {data.Length}.");
        fixed (byte* p = data)
            NativeApi.ggml_backend_tensor_set(tensor, p, 0, size);
    }

    public static void Write(nint tensor, ReadOnlySpan<float> data) => Write(tensor, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data));

    public static void Write(nint tensor, ReadOnlySpan<int> data) => Write(tensor, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data));

    public static float[] ReadFloats(nint tensor)
    {
        var header = (GgmlTensorHeader*)tensor;
        if (header->Type != GgmlType.F32)
            throw new InvalidOperationException($"Tensor '{NameOf(tensor)}' is {header->Type}, not F32.");
        var result = new float[NativeApi.ggml_nelements(tensor)];
        fixed (float* p = result)
            NativeApi.ggml_backend_tensor_get(tensor, p, 0, NativeApi.ggml_nbytes(tensor));
        return result;
    }

    public static void ReadFloats(nint tensor, Span<float> destination)
    {
        if ((nuint)destination.Length * sizeof(float) != NativeApi.ggml_nbytes(tensor))
            throw new ArgumentException($"Tensor '{NameOf(tensor)}' size does not match the destination.");
        fixed (float* p = destination)
            NativeApi.ggml_backend_tensor_get(tensor, p, 0, NativeApi.ggml_nbytes(tensor));
    }

    public static string NameOf(nint tensor) => NativeApi.PtrToString(NativeApi.ggml_get_name(tensor)) ?? "?";

    public static long[] ShapeOf(nint tensor)
    {
        var header = (GgmlTensorHeader*)tensor;
        return [header->Ne[0], header->Ne[1], header->Ne[2], header->Ne[3]];
    }

    public void Dispose()
    {
        _buffer?.Dispose();
        _context.Dispose();
    }
}
