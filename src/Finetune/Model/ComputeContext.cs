using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.Finetune.Model;

/// <summary>
/// A short-lived ggml context for one graph (tensors only, no data) plus the allocator that places the graph's
/// intermediate tensors in a backend buffer. Disposed after the step: the trainer's many short-lived native objects
/// live and die together.
/// </summary>
public sealed class ComputeContext : IDisposable
{
    private readonly SafeGgmlContextHandle _context;
    private readonly GgmlCpuBackend _backend;
    private SafeGgmlGallocrHandle? _allocator;

    public ComputeContext(GgmlCpuBackend backend, int graphSize)
    {
        _backend = backend;
        GraphSize = graphSize;
        var bytes = (nuint)graphSize * NativeApi.ggml_tensor_overhead() + 3 * NativeApi.ggml_graph_overhead_custom((nuint)graphSize, true);
        _context = NativeErrors.CheckHandle(NativeApi.ggml_init(new GgmlInitParams { MemSize = bytes, NoAlloc = 1 }), "ggml_init");
    }

    public nint Context => _context.DangerousGetHandle();

    public int GraphSize { get; }

    public nint NewGraph(bool grads) =>
        NativeErrors.CheckPointer(NativeApi.ggml_new_graph_custom(Context, (nuint)GraphSize, grads), "ggml_new_graph_custom");

    /// <summary>Allocates every tensor of <paramref name="graph"/> that has no data yet.</summary>
    public void Allocate(nint graph)
    {
        _allocator ??= NativeErrors.CheckHandle(NativeApi.ggml_gallocr_new(_backend.DefaultBufferType), "ggml_gallocr_new");
        if (!NativeApi.ggml_gallocr_alloc_graph(_allocator, graph))
            throw new LlamaNativeException("ggml_gallocr_alloc_graph", "Could not allocate the compute graph (out of memory?).");
    }

    public long AllocatedBytes => _allocator is null ? 0 : (long)NativeApi.ggml_gallocr_get_buffer_size(_allocator, 0);

    public void Compute(nint graph) =>
        NativeErrors.CheckStatus(NativeApi.ggml_backend_graph_compute(_backend.Handle, graph), "ggml_backend_graph_compute");

    public void Dispose()
    {
        _allocator?.Dispose();
        _context.Dispose();
    }
}
