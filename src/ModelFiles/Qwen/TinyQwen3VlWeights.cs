using DynamicCot.ModelFiles.HuggingFace;
using static DynamicCot.ModelFiles.Qwen.TinyWeights;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>
/// The tensors of a random-weight Qwen3-VL checkpoint under the names transformers' <c>Qwen3VLForConditionalGeneration</c>
/// saves (<c>model.language_model.*</c>, <c>model.visual.*</c>, <c>lm_head.*</c>): q/k RMSNorm and no q/k/v bias in the
/// decoder; a patch embedding with bias, a learned position table, LayerNorm blocks with a fused QKV and a GELU MLP,
/// the patch merger and one DeepStack merger per chosen block in the vision tower.
/// </summary>
internal static class TinyQwen3VlWeights
{
    public static IReadOnlyList<TensorSpec> Specs(QwenVlConfig config)
    {
        var text = config.Text;
        var vision = config.Vision;
        var specs = new List<TensorSpec>();
        void Add(string name, TensorInit init, params long[] shape) => specs.Add(new TensorSpec(name, shape, init));

        long h = text.HiddenSize, q = text.NumAttentionHeads * text.HeadDim, kv = text.NumKeyValueHeads * text.HeadDim, ff = text.IntermediateSize, d = text.HeadDim;
        const string lm = "model.language_model";
        Add($"{lm}.embed_tokens.weight", TensorInit.Matrix, text.VocabSize, h);
        for (var i = 0; i < text.NumHiddenLayers; i++)
        {
            var p = $"{lm}.layers.{i}";
            Add($"{p}.input_layernorm.weight", TensorInit.Norm, h);
            Add($"{p}.self_attn.q_proj.weight", TensorInit.Matrix, q, h);
            Add($"{p}.self_attn.k_proj.weight", TensorInit.Matrix, kv, h);
            Add($"{p}.self_attn.v_proj.weight", TensorInit.Matrix, kv, h);
            Add($"{p}.self_attn.o_proj.weight", TensorInit.Matrix, h, q);
            Add($"{p}.self_attn.q_norm.weight", TensorInit.Norm, d);
            Add($"{p}.self_attn.k_norm.weight", TensorInit.Norm, d);
            Add($"{p}.post_attention_layernorm.weight", TensorInit.Norm, h);
            Add($"{p}.mlp.gate_proj.weight", TensorInit.Matrix, ff, h);
            Add($"{p}.mlp.up_proj.weight", TensorInit.Matrix, ff, h);
            Add($"{p}.mlp.down_proj.weight", TensorInit.Matrix, h, ff);
        }
        Add($"{lm}.norm.weight", TensorInit.Norm, h);
        if (!text.TieWordEmbeddings)
            Add("lm_head.weight", TensorInit.Matrix, text.VocabSize, h);

        long e = vision.EmbedDim, merged = e * vision.SpatialMergeSize * vision.SpatialMergeSize, patch = vision.PatchSize, visionFf = vision.IntermediateSize;
        const string v = "model.visual";
        Add($"{v}.patch_embed.proj.weight", TensorInit.Matrix, e, vision.InChannels, vision.TemporalPatchSize, patch, patch);
        Add($"{v}.patch_embed.proj.bias", TensorInit.Bias, e);
        Add($"{v}.pos_embed.weight", TensorInit.PositionTable, vision.NumPositionEmbeddings ?? 2304, e);
        for (var i = 0; i < vision.Depth; i++)
        {
            var p = $"{v}.blocks.{i}";
            Add($"{p}.norm1.weight", TensorInit.Norm, e);
            Add($"{p}.norm1.bias", TensorInit.Bias, e);
            Add($"{p}.norm2.weight", TensorInit.Norm, e);
            Add($"{p}.norm2.bias", TensorInit.Bias, e);
            Add($"{p}.attn.qkv.weight", TensorInit.Matrix, 3 * e, e);
            Add($"{p}.attn.qkv.bias", TensorInit.Bias, 3 * e);
            Add($"{p}.attn.proj.weight", TensorInit.Matrix, e, e);
            Add($"{p}.attn.proj.bias", TensorInit.Bias, e);
            Add($"{p}.mlp.linear_fc1.weight", TensorInit.Matrix, visionFf, e);
            Add($"{p}.mlp.linear_fc1.bias", TensorInit.Bias, visionFf);
            Add($"{p}.mlp.linear_fc2.weight", TensorInit.Matrix, e, visionFf);
            Add($"{p}.mlp.linear_fc2.bias", TensorInit.Bias, e);
        }
        // The main merger normalises each patch (width e) before the 2 × 2 shuffle; DeepStack mergers normalise after it (4e).
        AddMerger($"{v}.merger", e);
        for (var k = 0; k < vision.DeepstackVisualIndexes.Count; k++)
            AddMerger($"{v}.deepstack_merger_list.{k}", merged);
        return specs;

        void AddMerger(string prefix, long normWidth)
        {
            Add($"{prefix}.norm.weight", TensorInit.Norm, normWidth);
            Add($"{prefix}.norm.bias", TensorInit.Bias, normWidth);
            Add($"{prefix}.linear_fc1.weight", TensorInit.Matrix, merged, merged);
            Add($"{prefix}.linear_fc1.bias", TensorInit.Bias, merged);
            Add($"{prefix}.linear_fc2.weight", TensorInit.Matrix, h, merged);
            Add($"{prefix}.linear_fc2.bias", TensorInit.Bias, h);
        }
    }
}
