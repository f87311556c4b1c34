using DynamicCot.Llama.Native;
using DynamicCot.Gguf;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>Float types <c>convert</c> can write (quantized types come from <c>quantize</c> afterwards).</summary>
public enum GgufOutputType { F32, F16, BF16 }

public static class GgufOutputTypes
{
    public static GgufOutputType Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "f32" => GgufOutputType.F32,
        "f16" => GgufOutputType.F16,
        "bf16" => GgufOutputType.BF16,
        _ => throw new ArgumentException($"Unknown output type '{text}': expected f32, f16 or bf16."),
    };

    public static GgmlType ToGgml(this GgufOutputType type) => type switch
    {
        GgufOutputType.F32 => GgmlType.F32,
        GgufOutputType.F16 => GgmlType.F16,
        _ => GgmlType.BF16,
    };

    /// <summary>The <c>general.file_type</c> value (<c>llama_ftype</c>) of a file written with this type.</summary>
    public static LlamaFileType ToFileType(this GgufOutputType type) => type switch
    {
        GgufOutputType.F32 => LlamaFileType.AllF32,
        GgufOutputType.F16 => LlamaFileType.MostlyF16,
        _ => LlamaFileType.MostlyBF16,
    };

    /// <summary>
    /// The type a tensor is stored with: vectors (norms, biases) stay F32 as llama.cpp's converter keeps them,
    /// matrices take the requested type.
    /// </summary>
    public static GgmlType StorageTypeFor(this GgufOutputType type, int dimensionCount) =>
        dimensionCount <= 1 ? GgmlType.F32 : type.ToGgml();
}
