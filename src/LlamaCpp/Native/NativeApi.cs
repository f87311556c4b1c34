using System.Runtime.InteropServices;

namespace DynamicCot.LlamaCpp.Native;

/// <summary>
/// The raw C API of the pinned llama.cpp build (llama, mtmd, ggml, gguf, ggml-opt), one file per area.
/// Signatures mirror the headers at commit 22dc605 exactly; C <c>bool</c> is marshalled as one byte.
/// Nothing here validates or throws: the managed layers above check inputs before calling, and turn
/// failures into exceptions through <see cref="NativeErrors"/>.
/// </summary>
public static unsafe partial class NativeApi
{
    /// <summary>Logical library name; <see cref="LlamaLibrary"/> resolves it to the verified build.</summary>
    public const string LibraryName = "dynamiccot-llama";

    /// <summary>Reads a native, null-terminated UTF-8 string that the library owns.</summary>
    public static string? PtrToString(nint text) => text == 0 ? null : Marshal.PtrToStringUTF8(text);

    /// <summary>Reads a native, null-terminated UTF-8 string that the library owns.</summary>
    public static string? PtrToString(byte* text) => PtrToString((nint)text);
}
