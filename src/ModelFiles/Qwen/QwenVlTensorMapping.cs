using System.Text.RegularExpressions;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>Which output file a tensor goes to.</summary>
public enum GgufTarget { LanguageModel, Projector }

/// <summary>The part of a Hugging Face tensor that becomes one GGUF tensor.</summary>
public abstract record TensorSlice
{
    /// <summary>The whole tensor, unchanged (PyTorch row-major order is ggml's order with the dims reversed).</summary>
    public sealed record Whole : TensorSlice;

    /// <summary>Rows <c>[Start, Start + Count)</c> of dimension 0 (the fused vision QKV split into Q, K and V).</summary>
    public sealed record Rows(long Start, long Count) : TensorSlice;

    /// <summary>One temporal plane of the Conv3D patch embedding <c>[out, in, t, h, w]</c> (llama.cpp runs it as two Conv2D kernels).</summary>
    public sealed record TemporalPlane(int Index) : TensorSlice;
}

/// <summary>One GGUF tensor to write: where it comes from and its shape in PyTorch order.</summary>
public sealed record MappedTensor(GgufTarget Target, string GgufName, string SourceName, long[] Shape, TensorSlice Slice)
{
    /// <summary>ggml's <c>ne</c>: the PyTorch shape reversed.</summary>
    public ulong[] GgmlDims => Shape.Reverse().Select(d => (ulong)d).ToArray();

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// Maps Hugging Face Qwen2-VL / Qwen2.5-VL tensor names to the names and shapes llama.cpp 22dc605 loads:
/// the <c>qwen2vl</c> language model (llama-arch.cpp) and the <c>qwen2vl_merger</c> / <c>qwen2.5vl_merger</c>
/// projector (tools/mtmd/clip-impl.h). Unknown tensors are an error, so that nothing is dropped silently.
/// </summary>
public static partial class QwenVlTensorMapping
{
    /// <summary>Newer transformers releases nest the same weights under other prefixes; bring them to the classic layout.</summary>
    public static string Canonicalize(string name)
    {
        if (name.StartsWith("model.language_model.", StringComparison.Ordinal))
            return "model." + name["model.language_model.".Length..];
        if (name.StartsWith("model.visual.", StringComparison.Ordinal))
            return "visual." + name["model.visual.".Length..];
        if (name.StartsWith("language_model.model.", StringComparison.Ordinal))
            return "model." + name["language_model.model.".Length..];
        if (name.StartsWith("language_model.lm_head.", StringComparison.Ordinal))
            return "lm_head." + name["language_model.lm_head.".Length..];
        return name;
    }

    /// <summary>The GGUF tensors one HF tensor becomes (three for a fused QKV, two for the Conv3D patch embedding).</summary>
    public static IReadOnlyList<MappedTensor> Map(string sourceName, long[] shape)
    {
        var name = Canonicalize(sourceName);
        if (name.StartsWith("visual.", StringComparison.Ordinal))
            return MapVision(sourceName, name, shape);
        if (MapLanguageModel(name) is { } lm)
            return [new MappedTensor(GgufTarget.LanguageModel, lm, sourceName, shape, new TensorSlice.Whole())];
        throw new UnknownTensorException(sourceName);
    }

    /// <summary>The decoder's GGUF name for a canonical HF name (<c>model.layers.N.…</c>), or null when it is not a decoder tensor.</summary>
    internal static string? MapLanguageModel(string name)
    {
        switch (name)
        {
            case "model.embed_tokens.weight": return "token_embd.weight";
            case "model.norm.weight": return "output_norm.weight";
            case "lm_head.weight": return "output.weight";
        }
        var m = LayerName().Match(name);
        if (!m.Success)
            return null;
        var block = m.Groups["block"].Value;
        var suffix = m.Groups["suffix"].Value;
        string? mapped = m.Groups["module"].Value switch
        {
            "input_layernorm" when suffix == "weight" => "attn_norm",
            "post_attention_layernorm" when suffix == "weight" => "ffn_norm",
            "self_attn.q_proj" => "attn_q",
            "self_attn.k_proj" => "attn_k",
            "self_attn.v_proj" => "attn_v",
            "self_attn.o_proj" when suffix == "weight" => "attn_output",
            // Qwen3-VL's per-head RMSNorm on queries and keys (llama-arch.cpp LLM_TENSOR_ATTN_Q_NORM / _K_NORM).
            "self_attn.q_norm" when suffix == "weight" => "attn_q_norm",
            "self_attn.k_norm" when suffix == "weight" => "attn_k_norm",
            "mlp.gate_proj" when suffix == "weight" => "ffn_gate",
            "mlp.up_proj" when suffix == "weight" => "ffn_up",
            "mlp.down_proj" when suffix == "weight" => "ffn_down",
            _ => null,
        };
        return mapped is null ? null : $"blk.{block}.{mapped}.{suffix}";
    }

    private static IReadOnlyList<MappedTensor> MapVision(string sourceName, string name, long[] shape)
    {
        MappedTensor Projector(string ggufName, long[] s, TensorSlice slice) => new(GgufTarget.Projector, ggufName, sourceName, s, slice);

        if (name == "visual.patch_embed.proj.weight")
        {
            if (shape.Length != 5 || shape[2] != 2)
                throw new UnsupportedTensorException(sourceName, $"expected a Conv3D kernel [out, in, 2, h, w], got [{string.Join(", ", shape)}]");
            long[] plane = [shape[0], shape[1], shape[3], shape[4]];
            return [Projector("v.patch_embd.weight", plane, new TensorSlice.TemporalPlane(0)), Projector("v.patch_embd.weight.1", plane, new TensorSlice.TemporalPlane(1))];
        }

        var merger = MergerName().Match(name);
        if (merger.Success)
        {
            var suffix = merger.Groups["suffix"].Value;
            var target = merger.Groups["module"].Value switch
            {
                "ln_q" => "v.post_ln",
                "mlp.0" => "mm.0",
                "mlp.2" => "mm.2",
                _ => throw new UnknownTensorException(sourceName),
            };
            return [Projector($"{target}.{suffix}", shape, new TensorSlice.Whole())];
        }

        var m = VisionBlockName().Match(name);
        if (!m.Success)
            throw new UnknownTensorException(sourceName);
        var block = m.Groups["block"].Value;
        var module = m.Groups["module"].Value;
        var tail = m.Groups["suffix"].Value;
        if (module == "attn.qkv")
        {
            if (shape[0] % 3 != 0)
                throw new UnsupportedTensorException(sourceName, $"fused QKV with {shape[0]} rows is not divisible by 3");
            var rows = shape[0] / 3;
            var part = shape.ToArray();
            part[0] = rows;
            return
            [
                Projector($"v.blk.{block}.attn_q.{tail}", part, new TensorSlice.Rows(0, rows)),
                Projector($"v.blk.{block}.attn_k.{tail}", part.ToArray(), new TensorSlice.Rows(rows, rows)),
                Projector($"v.blk.{block}.attn_v.{tail}", part.ToArray(), new TensorSlice.Rows(2 * rows, rows)),
            ];
        }
        var mapped = module switch
        {
            "norm1" => "ln1",
            "norm2" => "ln2",
            "attn.proj" => "attn_out",
            "mlp.fc1" or "mlp.up_proj" => "ffn_up",
            "mlp.fc2" or "mlp.down_proj" => "ffn_down",
            "mlp.gate_proj" => "ffn_gate",
            _ => throw new UnknownTensorException(sourceName),
        };
        return [Projector($"v.blk.{block}.{mapped}.{tail}", shape, new TensorSlice.Whole())];
    }

    [GeneratedRegex(@"^model\.layers\.(?<block>\d+)\.(?<module>.+)\.(?<suffix>weight|bias)$")]
    private static partial Regex LayerName();

    [GeneratedRegex(@"^visual\.blocks\.(?<block>\d+)\.(?<module>.+)\.(?<suffix>weight|bias)$")]
    private static partial Regex VisionBlockName();

    [GeneratedRegex(@"^visual\.merger\.(?<module>.+)\.(?<suffix>weight|bias)$")]
    private static partial Regex MergerName();
}

/// <summary>A checkpoint tensor the converter does not know where to put.</summary>
public sealed class UnknownTensorException(string name)
    : FormatException($"Tensor '{name}' is not part of a Qwen2-VL / Qwen2.5-VL / Qwen3-VL checkpoint that the pinned llama.cpp can load."), DynamicCot.Keyphrases.IUserFacingError
{
    public string TensorName { get; } = name;
}

/// <summary>A known tensor with a shape the converter cannot handle.</summary>
public sealed class UnsupportedTensorException(string name, string reason)
    : FormatException($"Tensor '{name}': {reason}."), DynamicCot.Keyphrases.IUserFacingError
{
    public string TensorName { get; } = name;
}
