using System.Text.RegularExpressions;
using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.Quantize.Quantization;

/// <summary>
/// Chooses each tensor's type for a preset, following llama.cpp 22dc605's rules (src/llama-quant.cpp) for the
/// presets we offer: vectors and norms stay F32; the output matrix (or the tied token embedding) gets Q6_K in the
/// quantized presets (Q8_0 stays Q8_0); Q4_K_M/Q5_K_M give <c>attn_v</c> and <c>ffn_down</c> Q6_K on the layers
/// where "more bits" pay off (the first and last eighth, and every third layer between); a row length that the block
/// size does not divide falls back (Q4_K→Q5_0, Q5_K→Q5_1, Q6_K→Q8_0, else F16).
/// </summary>
public sealed partial class TensorTypePolicy
{
    private readonly QuantizationPreset _preset;
    private readonly bool _tiedEmbeddings;
    private readonly int _layerCount;
    private readonly bool _projector;

    public TensorTypePolicy(QuantizationPreset preset, int layerCount, bool tiedEmbeddings, bool projector)
    {
        _preset = preset;
        _layerCount = layerCount;
        _tiedEmbeddings = tiedEmbeddings;
        _projector = projector;
    }

    /// <summary>The type to store <paramref name="name"/> (ggml dims <paramref name="dims"/>, currently <paramref name="current"/>) with.</summary>
    public GgmlType Choose(string name, ReadOnlySpan<ulong> dims, GgmlType current)
    {
        if (!AllowsQuantization(name, dims))
            return current is GgmlType.F16 or GgmlType.BF16 && dims.Length >= 2 && !IsQuantized(_preset.DefaultType) ? _preset.DefaultType : current;

        var type = _preset.DefaultType;
        if (!IsQuantized(type))
            return type;

        if (_projector)
            return Fallback(type, dims[0]);

        var block = LayerIndex(name);
        if (name == "output.weight" || (_tiedEmbeddings && name == "token_embd.weight"))
            type = type == GgmlType.Q8_0 || dims[0] % 256 != 0 ? GgmlType.Q8_0 : GgmlType.Q6_K;
        else if (name.EndsWith(".attn_v.weight", StringComparison.Ordinal) && _preset.IsKQuantMix && block is { } v && UseMoreBits(v, _layerCount))
            type = GgmlType.Q6_K;
        else if (name.EndsWith(".ffn_down.weight", StringComparison.Ordinal) && _preset.IsKQuantMix && block is { } d && UseMoreBits(d, _layerCount))
            type = GgmlType.Q6_K;
        return Fallback(type, dims[0]);
    }

    /// <summary>llama.cpp's "use more bits" layers.</summary>
    public static bool UseMoreBits(int layer, int layers) =>
        layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;

    private bool AllowsQuantization(string name, ReadOnlySpan<ulong> dims)
    {
        if (dims.Length < 2 || !name.EndsWith("weight", StringComparison.Ordinal))
            return false;
        if (name.Contains("norm", StringComparison.Ordinal) || name.Contains("_ln", StringComparison.Ordinal) || name.Contains(".ln", StringComparison.Ordinal))
            return false;
        // The vision patch embedding is a convolution kernel (im2col needs F16/F32); position embeddings stay exact.
        if (name.StartsWith("v.patch_embd", StringComparison.Ordinal) || name.Contains("position_embd", StringComparison.Ordinal))
            return false;
        return true;
    }

    private static GgmlType Fallback(GgmlType type, ulong rowLength)
    {
        var block = BlockSize(type);
        if (rowLength % (ulong)block == 0)
            return type;
        var fallback = type switch
        {
            GgmlType.Q4_K => GgmlType.Q5_0,
            GgmlType.Q5_K => GgmlType.Q5_1,
            GgmlType.Q6_K => GgmlType.Q8_0,
            _ => GgmlType.F16,
        };
        return rowLength % (ulong)BlockSize(fallback) == 0 ? fallback : GgmlType.F16;
    }

    private static int BlockSize(GgmlType type) => type switch
    {
        GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K or GgmlType.Q8_K => 256,
        GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1 or GgmlType.Q8_0 => 32,
        _ => 1,
    };

    private static bool IsQuantized(GgmlType type) => BlockSize(type) > 1;

    private static int? LayerIndex(string name)
    {
        var m = BlockName().Match(name);
        return m.Success ? int.Parse(m.Groups[1].Value) : null;
    }

    [GeneratedRegex(@"^blk\.(\d+)\.")]
    private static partial Regex BlockName();
}
