using System.Text.RegularExpressions;
using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>
/// Maps Hugging Face Qwen3-VL tensor names to what llama.cpp c0c7e147 (LLamaSharp.Backend.Cpu 0.30.0) loads: the
/// <c>qwen3vl</c> decoder (src/models/qwen3vl.cpp <c>load_arch_tensors</c>: the Qwen2 names plus
/// <c>blk.N.attn_q_norm</c> / <c>attn_k_norm</c>) and the <c>qwen3vl_merger</c> projector (tools/mtmd/clip.cpp
/// <c>load_tensors</c>, graph in tools/mtmd/models/qwen3vl.cpp). The projector keeps the vision QKV fused
/// (<c>v.blk.N.attn_qkv</c>, which that graph reads), carries the patch bias and the learned position table, and names each
/// DeepStack merger after the vision block it reads (<c>v.deepstack.B.{norm,fc1,fc2}</c>), as llama.cpp's
/// conversion/qwen3vl.py <c>Qwen3VLVisionModel.modify_tensors</c> does. Unknown tensors are an error.
/// </summary>
public static partial class Qwen3VlTensorMapping
{
    public static IReadOnlyList<MappedTensor> Map(string sourceName, long[] shape, QwenVlVisionConfig vision)
    {
        var name = QwenVlTensorMapping.Canonicalize(sourceName);
        if (!name.StartsWith("visual.", StringComparison.Ordinal))
        {
            return QwenVlTensorMapping.MapLanguageModel(name) is { } lm
                ? [new MappedTensor(GgufTarget.LanguageModel, lm, sourceName, shape, new TensorSlice.Whole())]
                : throw new UnknownTensorException(sourceName);
        }

        MappedTensor Projector(string ggufName, long[] s, TensorSlice slice) => new(GgufTarget.Projector, ggufName, sourceName, s, slice);
        MappedTensor[] Whole(string ggufName) => [Projector(ggufName, shape, new TensorSlice.Whole())];

        switch (name)
        {
            case "visual.patch_embed.proj.weight":
                if (shape.Length != 5 || shape[2] != 2)
                    throw new UnsupportedTensorException(sourceName, $"expected a Conv3D kernel [out, in, 2, h, w], got [{string.Join(", ", shape)}]");
                long[] plane = [shape[0], shape[1], shape[3], shape[4]];
                return [Projector("v.patch_embd.weight", plane, new TensorSlice.TemporalPlane(0)), Projector("v.patch_embd.weight.1", plane, new TensorSlice.TemporalPlane(1))];
            case "visual.patch_embed.proj.bias":
                return Whole("v.patch_embd.bias");
            case "visual.pos_embed.weight":
                return Whole("v.position_embd.weight");
        }

        var merger = MergerName().Match(name);
        if (merger.Success)
        {
            var target = merger.Groups["module"].Value switch
            {
                "norm" => "v.post_ln",
                "linear_fc1" => "mm.0",
                "linear_fc2" => "mm.2",
                _ => throw new UnknownTensorException(sourceName),
            };
            return Whole($"{target}.{merger.Groups["suffix"].Value}");
        }

        var deepstack = DeepstackName().Match(name);
        if (deepstack.Success)
        {
            var slot = int.Parse(deepstack.Groups["slot"].Value);
            if (slot >= vision.DeepstackVisualIndexes.Count)
                throw new UnsupportedTensorException(sourceName, $"DeepStack merger {slot} has no block in vision_config.deepstack_visual_indexes [{string.Join(", ", vision.DeepstackVisualIndexes)}]");
            var part = deepstack.Groups["module"].Value switch
            {
                "norm" => "norm",
                "linear_fc1" => "fc1",
                "linear_fc2" => "fc2",
                _ => throw new UnknownTensorException(sourceName),
            };
            return Whole($"v.deepstack.{vision.DeepstackVisualIndexes[slot]}.{part}.{deepstack.Groups["suffix"].Value}");
        }

        var block = VisionBlockName().Match(name);
        if (!block.Success)
            throw new UnknownTensorException(sourceName);
        var mapped = block.Groups["module"].Value switch
        {
            "norm1" => "ln1",
            "norm2" => "ln2",
            "attn.qkv" => "attn_qkv",
            "attn.proj" => "attn_out",
            "mlp.linear_fc1" => "ffn_up",
            "mlp.linear_fc2" => "ffn_down",
            _ => throw new UnknownTensorException(sourceName),
        };
        return Whole($"v.blk.{block.Groups["block"].Value}.{mapped}.{block.Groups["suffix"].Value}");
    }

    /// <summary>The tensors llama.cpp requires of a Qwen3-VL pair; the converter refuses a checkpoint missing any.</summary>
    public static IEnumerable<string> Required(QwenVlConfig config)
    {
        yield return "token_embd.weight";
        yield return "output_norm.weight";
        if (!config.Text.TieWordEmbeddings)
            yield return "output.weight";
        string[] layer = ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "attn_q_norm", "attn_k_norm", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"];
        for (var i = 0; i < config.Text.NumHiddenLayers; i++)
            foreach (var t in layer)
                yield return $"blk.{i}.{t}.weight";

        string[] projector = ["v.patch_embd.weight", "v.patch_embd.weight.1", "v.patch_embd.bias", "v.position_embd.weight", "v.post_ln.weight", "mm.0.weight", "mm.2.weight"];
        foreach (var t in projector)
            yield return t;
        string[] block = ["ln1", "ln2", "attn_qkv", "attn_out", "ffn_up", "ffn_down"];
        for (var i = 0; i < config.Vision.Depth; i++)
            foreach (var t in block)
                yield return $"v.blk.{i}.{t}.weight";
        foreach (var index in config.Vision.DeepstackVisualIndexes)
            foreach (var t in new[] { "norm", "fc1", "fc2" })
                yield return $"v.deepstack.{index}.{t}.weight";
    }

    [GeneratedRegex(@"^visual\.blocks\.(?<block>\d+)\.(?<module>.+)\.(?<suffix>weight|bias)$")]
    private static partial Regex VisionBlockName();

    [GeneratedRegex(@"^visual\.merger\.(?<module>[a-z_0-9]+)\.(?<suffix>weight|bias)$")]
    private static partial Regex MergerName();

    [GeneratedRegex(@"^visual\.deepstack_merger_list\.(?<slot>\d+)\.(?<module>[a-z_0-9]+)\.(?<suffix>weight|bias)$")]
    private static partial Regex DeepstackName();
}
