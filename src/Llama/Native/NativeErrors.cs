namespace DynamicCot.Llama.Native;

/// <summary>
/// The one place that turns native failure signals (null handles, negative status codes, ggml statuses)
/// into exceptions. Everything above the raw bindings goes through here, so messages stay uniform.
/// </summary>
public static class NativeErrors
{
    /// <summary>Throws when a constructor-like native call returned null.</summary>
    public static nint CheckPointer(nint pointer, string operation, string? input = null)
    {
        if (pointer != 0)
            return pointer;
        var subject = input is null ? string.Empty : $" for '{input}'";
        throw new LlamaNativeException(operation, $"{operation} failed{subject}: the native call returned null (see the llama.cpp log for the cause).");
    }

    /// <summary>Throws unless a native handle was created.</summary>
    public static T CheckHandle<T>(T handle, string operation, string? input = null) where T : System.Runtime.InteropServices.SafeHandle
    {
        if (!handle.IsInvalid)
            return handle;
        handle.Dispose();
        CheckPointer(0, operation, input);
        return handle; // unreachable
    }

    /// <summary>Throws when a native call returned a non-zero status.</summary>
    public static void CheckStatus(int status, string operation, Func<int, string>? explain = null)
    {
        if (status == 0)
            return;
        var detail = explain?.Invoke(status) ?? $"status {status}";
        throw new LlamaNativeException(operation, $"{operation} failed: {detail}.", status);
    }

    /// <summary>Meaning of a <c>llama_decode</c> / <c>llama_encode</c> return value (llama.h).</summary>
    public static string ExplainDecodeStatus(int status) => status switch
    {
        1 => "no KV-cache slot for the batch (reduce the batch size or increase the context)",
        2 => "aborted by the abort callback",
        -1 => "invalid input batch",
        _ => $"fatal error (status {status})",
    };
}
