using System.Runtime.InteropServices;

namespace DynamicCot.LlamaCpp.Native;

/// <summary>
/// Opens a candidate library and proves it is the pinned build before any binding touches it: the build commit,
/// <c>ggml_tensor_overhead()</c> (which encodes <c>GGML_MAX_NAME</c>), and the number of bytes each
/// <c>*_default_params</c> function writes, measured with a canary buffer. Calls go through raw function
/// pointers so that nothing here depends on the resolver.
/// </summary>
public static unsafe class LlamaLibraryValidator
{
    /// <summary>Opens <paramref name="path"/> and verifies it; returns the handle or throws <see cref="LlamaLibraryException"/>.</summary>
    public static nint OpenVerified(string path)
    {
        if (!File.Exists(path))
            throw new LlamaLibraryException(path, $"Native library '{path}' does not exist. Expected {LlamaBuildExpectations.Describe}.");

        nint handle;
        try
        {
            handle = NativeLibrary.Load(path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new LlamaLibraryException(path,
                $"'{path}' could not be opened as a shared library ({DlError(e.Message)}). Expected {LlamaBuildExpectations.Describe}.", e);
        }

        try
        {
            Verify(path, handle);
            return handle;
        }
        catch
        {
            NativeLibrary.Free(handle);
            throw;
        }
    }

    /// <summary>Measures the facts the bindings depend on; returns them for display (system info, tests).</summary>
    public static LlamaBuildFacts Measure(string path, nint handle)
    {
        var commit = ReadCommit(path, handle);
        var overhead = ((delegate* unmanaged<nuint>)Export(path, handle, "ggml_tensor_overhead"))();
        return new LlamaBuildFacts(
            commit,
            overhead,
            MeasureWrittenBytes(Export(path, handle, "llama_model_default_params")),
            MeasureWrittenBytes(Export(path, handle, "llama_context_default_params")),
            MeasureWrittenBytes(Export(path, handle, "mtmd_context_params_default")));
    }

    private static void Verify(string path, nint handle)
    {
        var commit = ReadCommit(path, handle);
        if (commit != LlamaBuildExpectations.Commit)
            throw Mismatch(path, $"LLAMA_COMMIT = \"{commit}\"", $"\"{LlamaBuildExpectations.Commit}\"");

        var facts = Measure(path, handle);
        if (facts.TensorOverhead != LlamaBuildExpectations.TensorOverhead)
            throw Mismatch(path, $"ggml_tensor_overhead() = {facts.TensorOverhead}", $"{LlamaBuildExpectations.TensorOverhead} (GGML_MAX_NAME = 80)");
        CheckSize(path, "llama_model_default_params", facts.ModelParamsBytes, LlamaBuildExpectations.ModelParamsSize);
        CheckSize(path, "llama_context_default_params", facts.ContextParamsBytes, LlamaBuildExpectations.ContextParamsSize);
        CheckSize(path, "mtmd_context_params_default", facts.MtmdContextParamsBytes, LlamaBuildExpectations.MtmdContextParamsSize);
    }

    // A struct ends in up to 7 bytes of padding that the function need not write.
    private static void CheckSize(string path, string function, int written, int expected)
    {
        if (written > expected || written <= expected - 8)
            throw Mismatch(path, $"{function} writes {written} bytes", $"a {expected}-byte struct");
    }

    private static LlamaLibraryException Mismatch(string path, string found, string expected) =>
        new(path, $"'{path}' is not the pinned engine build: found {found}, expected {expected}. " +
                  $"DynamicCot's bindings mirror exactly {LlamaBuildExpectations.Describe}; run `npm ci` or point " +
                  $"{LlamaLibraryOptions.LibraryPathVariable} at that build.");

    private static string ReadCommit(string path, nint handle)
    {
        // `LLAMA_COMMIT` is a data symbol: `char const * LLAMA_COMMIT`.
        if (!NativeLibrary.TryGetExport(handle, "LLAMA_COMMIT", out var address))
            throw new LlamaLibraryException(path,
                $"'{path}' is not a llama.cpp build: it does not export LLAMA_COMMIT. Expected {LlamaBuildExpectations.Describe}.");
        var text = *(byte**)address;
        return text == null ? "(null)" : Marshal.PtrToStringUTF8((nint)text, Math.Min(64, StrLen(text))) ?? "(null)";
    }

    private static int StrLen(byte* text)
    {
        var n = 0;
        while (n < 64 && text[n] != 0) n++;
        return n;
    }

    private static nint Export(string path, nint handle, string name)
    {
        if (!NativeLibrary.TryGetExport(handle, name, out var address))
            throw new LlamaLibraryException(path,
                $"'{path}' does not export {name}. Expected {LlamaBuildExpectations.Describe}.");
        return address;
    }

    /// <summary>
    /// Calls a struct-returning function (hidden sret pointer in RDI on x86-64 SysV) with a canary buffer,
    /// twice with different fill bytes, and returns one past the highest byte it wrote.
    /// </summary>
    private static int MeasureWrittenBytes(nint function)
    {
        const int capacity = 512;
        var a = stackalloc byte[capacity];
        var b = stackalloc byte[capacity];
        new Span<byte>(a, capacity).Fill(0xCD);
        new Span<byte>(b, capacity).Fill(0x00);
        ((delegate* unmanaged<byte*, byte*>)function)(a);
        ((delegate* unmanaged<byte*, byte*>)function)(b);
        for (var i = capacity - 1; i >= 0; i--)
        {
            if (a[i] != 0xCD || b[i] != 0x00)
                return i + 1;
        }
        return 0;
    }

    // The runtime's message is a generic first line followed by the dlerror() text of each attempt; keep the latter.
    private static string DlError(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length > 1 ? lines[^1] : message.Trim();
    }
}

/// <summary>What a native build reports about itself.</summary>
public sealed record LlamaBuildFacts(
    string Commit, nuint TensorOverhead, int ModelParamsBytes, int ContextParamsBytes, int MtmdContextParamsBytes);
