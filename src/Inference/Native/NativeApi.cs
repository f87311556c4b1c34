using System.Runtime.InteropServices;

namespace DynamicCot.Inference.Native;

/// <summary>
/// Raw ggml, gguf and ggml-opt bindings for the ggml trainer (and the few mtmd/llama entry points only it needs),
/// one file per area. Serving does not use them: it goes through LLamaSharp. They bind against the very ggml that
/// LLamaSharp loaded (<see cref="LlamaRuntime"/> resolves <see cref="LibraryName"/> to it), so a process holds one
/// copy of ggml. Signatures mirror the headers of that build; C <c>bool</c> is marshalled as one byte. Nothing here
/// validates or throws: the managed layers above check inputs and turn failures into exceptions via
/// <see cref="NativeErrors"/>. These bindings exist only as long as the ggml trainer does.
/// </summary>
public static unsafe partial class NativeApi
{
    /// <summary>Logical library name; <see cref="LlamaRuntime"/> resolves it to the loaded <c>libmtmd.so</c>, whose dependencies are llama and ggml.</summary>
    public const string LibraryName = "dynamiccot-ggml";

    /// <summary>Reads a native, null-terminated UTF-8 string that the library owns.</summary>
    public static string? PtrToString(nint text) => text == 0 ? null : Marshal.PtrToStringUTF8(text);

    /// <summary>Reads a native, null-terminated UTF-8 string that the library owns.</summary>
    public static string? PtrToString(byte* text) => PtrToString((nint)text);
}
