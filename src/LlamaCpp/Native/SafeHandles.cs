using System.Runtime.InteropServices;

namespace DynamicCot.LlamaCpp.Native;

/// <summary>Base of every handle to a native object: zero is invalid, release calls the matching free function.</summary>
public abstract class NativeHandle : SafeHandle
{
    protected NativeHandle() : base(0, ownsHandle: true) { }

    protected NativeHandle(nint handle) : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;
}

/// <summary>
/// A native object that must not outlive another one (a context and its model, an mtmd context and its model, an
/// adapter and its model): it holds a reference on the owner's handle, released after its own free function.
/// </summary>
public abstract class DependentNativeHandle : NativeHandle
{
    private readonly SafeHandle? _owner;

    protected DependentNativeHandle() { }

    protected DependentNativeHandle(nint handle, SafeHandle owner) : base(handle)
    {
        var added = false;
        owner.DangerousAddRef(ref added);
        _owner = added ? owner : throw new ObjectDisposedException(owner.GetType().Name);
    }

    protected sealed override bool ReleaseHandle()
    {
        try
        {
            Free(handle);
        }
        finally
        {
            _owner?.DangerousRelease();
        }
        return true;
    }

    protected abstract void Free(nint pointer);
}

/// <summary><c>llama_model*</c>.</summary>
public sealed class SafeLlamaModelHandle : NativeHandle
{
    public SafeLlamaModelHandle() { }
    protected override bool ReleaseHandle() { NativeApi.llama_model_free(handle); return true; }
}

/// <summary><c>llama_context*</c>; keeps its model alive.</summary>
public sealed class SafeLlamaContextHandle : DependentNativeHandle
{
    public SafeLlamaContextHandle() { }
    public SafeLlamaContextHandle(nint handle, SafeLlamaModelHandle model) : base(handle, model) { }
    protected override void Free(nint pointer) => NativeApi.llama_free(pointer);
}

/// <summary><c>llama_adapter_lora*</c>; keeps its model alive.</summary>
public sealed class SafeLlamaAdapterLoraHandle : DependentNativeHandle
{
    public SafeLlamaAdapterLoraHandle() { }
    public SafeLlamaAdapterLoraHandle(nint handle, SafeLlamaModelHandle model) : base(handle, model) { }
    protected override void Free(nint pointer) => NativeApi.llama_adapter_lora_free(pointer);
}

/// <summary><c>llama_sampler*</c> (usually a chain, which frees the samplers it owns).</summary>
public sealed class SafeLlamaSamplerHandle : NativeHandle
{
    public SafeLlamaSamplerHandle() { }
    public SafeLlamaSamplerHandle(nint handle) : base(handle) { }
    protected override bool ReleaseHandle() { NativeApi.llama_sampler_free(handle); return true; }
}

/// <summary><c>mtmd_context*</c>; keeps its text model alive.</summary>
public sealed class SafeMtmdContextHandle : DependentNativeHandle
{
    public SafeMtmdContextHandle() { }
    public SafeMtmdContextHandle(nint handle, SafeLlamaModelHandle model) : base(handle, model) { }
    protected override void Free(nint pointer) => NativeApi.mtmd_free(pointer);
}

/// <summary><c>mtmd_bitmap*</c>.</summary>
public sealed class SafeMtmdBitmapHandle : NativeHandle
{
    public SafeMtmdBitmapHandle() { }
    public SafeMtmdBitmapHandle(nint handle) : base(handle) { }
    protected override bool ReleaseHandle() { NativeApi.mtmd_bitmap_free(handle); return true; }
}

/// <summary><c>mtmd_input_chunks*</c>.</summary>
public sealed class SafeMtmdInputChunksHandle : NativeHandle
{
    public SafeMtmdInputChunksHandle() { }
    protected override bool ReleaseHandle() { NativeApi.mtmd_input_chunks_free(handle); return true; }
}

/// <summary><c>ggml_context*</c>: owns the tensors (and, unless no_alloc, their data) created in it.</summary>
public sealed class SafeGgmlContextHandle : NativeHandle
{
    public SafeGgmlContextHandle() { }
    public SafeGgmlContextHandle(nint handle) : base(handle) { }
    protected override bool ReleaseHandle() { NativeApi.ggml_free(handle); return true; }
}

/// <summary><c>gguf_context*</c>.</summary>
public sealed class SafeGgufContextHandle : NativeHandle
{
    public SafeGgufContextHandle() { }
    protected override bool ReleaseHandle() { NativeApi.gguf_free(handle); return true; }
}

/// <summary><c>ggml_backend_t</c>.</summary>
public sealed class SafeGgmlBackendHandle : NativeHandle
{
    public SafeGgmlBackendHandle() { }
    protected override bool ReleaseHandle() { NativeApi.ggml_backend_free(handle); return true; }
}

/// <summary><c>ggml_backend_buffer_t</c>.</summary>
public sealed class SafeGgmlBackendBufferHandle : NativeHandle
{
    public SafeGgmlBackendBufferHandle() { }
    protected override bool ReleaseHandle() { NativeApi.ggml_backend_buffer_free(handle); return true; }
}

/// <summary><c>ggml_gallocr_t</c> (graph allocator).</summary>
public sealed class SafeGgmlGallocrHandle : NativeHandle
{
    public SafeGgmlGallocrHandle() { }
    protected override bool ReleaseHandle() { NativeApi.ggml_gallocr_free(handle); return true; }
}

/// <summary><c>ggml_backend_sched_t</c>.</summary>
public sealed class SafeGgmlBackendSchedHandle : NativeHandle
{
    public SafeGgmlBackendSchedHandle() { }
    protected override bool ReleaseHandle() { NativeApi.ggml_backend_sched_free(handle); return true; }
}

/// <summary><c>ggml_opt_context_t</c>.</summary>
public sealed class SafeGgmlOptContextHandle : NativeHandle
{
    public SafeGgmlOptContextHandle() { }
    protected override bool ReleaseHandle() { NativeApi.ggml_opt_free(handle); return true; }
}

/// <summary><c>ggml_opt_result_t</c>.</summary>
public sealed class SafeGgmlOptResultHandle : NativeHandle
{
    public SafeGgmlOptResultHandle() { }
    protected override bool ReleaseHandle() { NativeApi.ggml_opt_result_free(handle); return true; }
}
