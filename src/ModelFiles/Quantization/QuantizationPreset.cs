using LLama.Native;

namespace DynamicCot.ModelFiles.Quantization;

/// <summary>What a file is quantized for.</summary>
public enum QuantizationTarget
{
    /// <summary>The language model: quantized by llama.cpp's own <c>llama_model_quantize</c>.</summary>
    LanguageModel,
    /// <summary>The multimodal projector (mmproj): rewritten as F16 or F32 by the managed GGUF writer.</summary>
    Projector,
}

/// <summary>
/// A <c>--type</c> of <c>quantize</c>. Language-model presets are llama.cpp file types, whose per-tensor types
/// llama.cpp chooses; the projector's vision tower is sensitive to coarse quantization, so it stays F16 or F32.
/// </summary>
public sealed record QuantizationPreset(string Name, LLamaFtype FileType, bool ForLanguageModel, bool ForProjector)
{
    public static readonly QuantizationPreset Q8_0 = new("q8_0", LLamaFtype.MOSTLY_Q8_0, true, false);
    public static readonly QuantizationPreset Q4_0 = new("q4_0", LLamaFtype.MOSTLY_Q4_0, true, false);
    public static readonly QuantizationPreset Q4_K_M = new("q4_k_m", LLamaFtype.MOSTLY_Q4_K_M, true, false);
    public static readonly QuantizationPreset Q5_K_M = new("q5_k_m", LLamaFtype.MOSTLY_Q5_K_M, true, false);
    public static readonly QuantizationPreset Q6_K = new("q6_k", LLamaFtype.MOSTLY_Q6_K, true, false);
    public static readonly QuantizationPreset F16 = new("f16", LLamaFtype.MOSTLY_F16, true, true);
    public static readonly QuantizationPreset BF16 = new("bf16", LLamaFtype.MOSTLY_BF16, true, false);
    public static readonly QuantizationPreset F32 = new("f32", LLamaFtype.ALL_F32, false, true);

    public static IReadOnlyList<QuantizationPreset> All { get; } = [Q8_0, Q4_0, Q4_K_M, Q5_K_M, Q6_K, F16, BF16, F32];

    public static IReadOnlyList<QuantizationPreset> ForTarget(QuantizationTarget target)
        => All.Where(p => p.Supports(target)).ToArray();

    public bool Supports(QuantizationTarget target)
        => target == QuantizationTarget.LanguageModel ? ForLanguageModel : ForProjector;

    public static QuantizationPreset Parse(string text) =>
        All.FirstOrDefault(p => string.Equals(p.Name, text.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown quantization type '{text}': expected one of {string.Join(", ", All.Select(p => p.Name))}.");

    /// <summary>
    /// Row length every quantized weight must be a multiple of, where llama.cpp has no fallback type for a row that
    /// does not fit (it aborts the whole file): the 32-wide blocks of Q8_0 and Q4_0. K-quant mixes fall back by
    /// themselves (to Q5_0/Q5_1/Q8_0/F16, as llama.cpp decides); float types take any row.
    /// </summary>
    public int? RequiredRowMultiple => FileType is LLamaFtype.MOSTLY_Q8_0 or LLamaFtype.MOSTLY_Q4_0 ? 32 : null;

    public override string ToString() => Name;
}
