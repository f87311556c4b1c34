using System.Runtime.InteropServices;

namespace DynamicCot.Llama.Native;

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






