using System.Runtime.InteropServices;

namespace DynamicCot.Inference.Native;

/// <summary>Base of every handle to a native object: zero is invalid, release calls the matching free function.</summary>
public abstract class NativeHandle : SafeHandle
{
    protected NativeHandle() : base(0, ownsHandle: true) { }

    protected NativeHandle(nint handle) : base(0, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == 0;
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
