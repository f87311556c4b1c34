using DynamicCot.LlamaCpp.Engine;
using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.Finetune.Model;

/// <summary>The ggml CPU backend the trainer computes on.</summary>
public sealed class GgmlCpuBackend : IDisposable
{
    public GgmlCpuBackend(int threads)
    {
        LlamaBackend.Initialize();
        Handle = NativeErrors.CheckHandle(NativeApi.ggml_backend_cpu_init(), "ggml_backend_cpu_init");
        NativeApi.ggml_backend_cpu_set_n_threads(Handle, Math.Max(1, threads));
    }

    public SafeGgmlBackendHandle Handle { get; }

    public nint DefaultBufferType => NativeApi.ggml_backend_get_default_buffer_type(Handle);

    public void Dispose() => Handle.Dispose();
}
