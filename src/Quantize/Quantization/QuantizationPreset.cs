using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.Quantize.Quantization;

/// <summary>A target of <c>quantize</c>: llama.cpp's file types, with their default tensor type.</summary>
public sealed record QuantizationPreset(string Name, LlamaFileType FileType, GgmlType DefaultType)
{
    public static readonly QuantizationPreset Q8_0 = new("q8_0", LlamaFileType.MostlyQ8_0, GgmlType.Q8_0);
    public static readonly QuantizationPreset Q4_0 = new("q4_0", LlamaFileType.MostlyQ4_0, GgmlType.Q4_0);
    public static readonly QuantizationPreset Q4_K_M = new("q4_k_m", LlamaFileType.MostlyQ4_K_M, GgmlType.Q4_K);
    public static readonly QuantizationPreset Q5_K_M = new("q5_k_m", LlamaFileType.MostlyQ5_K_M, GgmlType.Q5_K);
    public static readonly QuantizationPreset Q6_K = new("q6_k", LlamaFileType.MostlyQ6_K, GgmlType.Q6_K);
    public static readonly QuantizationPreset F16 = new("f16", LlamaFileType.MostlyF16, GgmlType.F16);
    public static readonly QuantizationPreset BF16 = new("bf16", LlamaFileType.MostlyBF16, GgmlType.BF16);

    public static IReadOnlyList<QuantizationPreset> All { get; } = [Q8_0, Q4_0, Q4_K_M, Q5_K_M, Q6_K, F16, BF16];

    /// <summary>Presets allowed for a multimodal projector (its vision tower is sensitive to coarse quantization).</summary>
    public static IReadOnlyList<QuantizationPreset> ForProjector { get; } = [Q8_0, F16, BF16];

    public bool IsKQuantMix => this == Q4_K_M || this == Q5_K_M;

    public static QuantizationPreset Parse(string text) =>
        All.FirstOrDefault(p => string.Equals(p.Name, text.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown quantization type '{text}': expected one of {string.Join(", ", All.Select(p => p.Name))}.");
}
