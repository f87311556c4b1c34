using System.Runtime.InteropServices;

namespace DynamicCot.Llama.Native;

/// <summary>
/// The project's own native bindings, one file per area, for what LLamaSharp 0.30 does not expose publicly: GGUF and
/// tensor reading for the layout cross-checks and <c>info</c>, ggml's row converters, backend devices, and a few
/// llama/mtmd entry points (see NativeApi.LlamaSharpGaps.cs). They bind against the very ggml that LLamaSharp loaded
/// (<see cref="LlamaRuntime"/> resolves <see cref="LibraryName"/> to it), so a process holds one copy of ggml.
/// Signatures mirror the headers of that build; C <c>bool</c> is marshalled as one byte. Nothing here validates or
/// throws: the managed layers above check inputs and turn failures into exceptions via <see cref="NativeErrors"/>.
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
