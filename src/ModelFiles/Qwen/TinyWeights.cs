using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>The tensors of a tiny checkpoint: real Hugging Face names and shapes, seeded random values.</summary>
public static class TinyWeights
{
    public sealed record TensorSpec(string Name, long[] Shape, TensorInit Init);

    /// <summary>How a tensor's values are drawn; <see cref="PositionTable"/> is a learned position embedding (small, like a trained one).</summary>
    public enum TensorInit { Matrix, Norm, Bias, PositionTable }

    public static IReadOnlyList<TensorSpec> Specs(TinyModelOptions o, int vocabSize)
    {
        if (o.Architecture == QwenVlArchitecture.Qwen3Vl)
            return TinyQwen3VlWeights.Specs(o, vocabSize);
        var specs = new List<TensorSpec>();
        void Add(string name, TensorInit init, params long[] shape) => specs.Add(new TensorSpec(name, shape, init));

        long h = o.HiddenSize, kv = o.KvHeads * o.HeadDim, ff = o.IntermediateSize;
        Add("model.embed_tokens.weight", TensorInit.Matrix, vocabSize, h);
        for (var i = 0; i < o.Layers; i++)
        {
            var p = $"model.layers.{i}";
            Add($"{p}.input_layernorm.weight", TensorInit.Norm, h);
            Add($"{p}.self_attn.q_proj.weight", TensorInit.Matrix, h, h);
            Add($"{p}.self_attn.q_proj.bias", TensorInit.Bias, h);
            Add($"{p}.self_attn.k_proj.weight", TensorInit.Matrix, kv, h);
            Add($"{p}.self_attn.k_proj.bias", TensorInit.Bias, kv);
            Add($"{p}.self_attn.v_proj.weight", TensorInit.Matrix, kv, h);
            Add($"{p}.self_attn.v_proj.bias", TensorInit.Bias, kv);
            Add($"{p}.self_attn.o_proj.weight", TensorInit.Matrix, h, h);
            Add($"{p}.post_attention_layernorm.weight", TensorInit.Norm, h);
            Add($"{p}.mlp.gate_proj.weight", TensorInit.Matrix, ff, h);
            Add($"{p}.mlp.up_proj.weight", TensorInit.Matrix, ff, h);
            Add($"{p}.mlp.down_proj.weight", TensorInit.Matrix, h, ff);
        }
        Add("model.norm.weight", TensorInit.Norm, h);
        if (!o.Tied)
            Add("lm_head.weight", TensorInit.Matrix, vocabSize, h);

        long e = o.VisionEmbedSize, merged = e * 4, patch = 14;
        var qwen25 = o.Architecture == QwenVlArchitecture.Qwen25Vl;
        var visionFf = qwen25 ? VisionIntermediate(o) : e * 4;
        Add("visual.patch_embed.proj.weight", TensorInit.Matrix, e, 3, 2, patch, patch);
        for (var i = 0; i < o.VisionDepth; i++)
        {
            var p = $"visual.blocks.{i}";
            Add($"{p}.norm1.weight", TensorInit.Norm, e);
            if (!qwen25) Add($"{p}.norm1.bias", TensorInit.Bias, e);
            Add($"{p}.norm2.weight", TensorInit.Norm, e);
            if (!qwen25) Add($"{p}.norm2.bias", TensorInit.Bias, e);
            Add($"{p}.attn.qkv.weight", TensorInit.Matrix, 3 * e, e);
            Add($"{p}.attn.qkv.bias", TensorInit.Bias, 3 * e);
            Add($"{p}.attn.proj.weight", TensorInit.Matrix, e, e);
            Add($"{p}.attn.proj.bias", TensorInit.Bias, e);
            if (qwen25)
            {
                Add($"{p}.mlp.gate_proj.weight", TensorInit.Matrix, visionFf, e);
                Add($"{p}.mlp.gate_proj.bias", TensorInit.Bias, visionFf);
                Add($"{p}.mlp.up_proj.weight", TensorInit.Matrix, visionFf, e);
                Add($"{p}.mlp.up_proj.bias", TensorInit.Bias, visionFf);
                Add($"{p}.mlp.down_proj.weight", TensorInit.Matrix, e, visionFf);
                Add($"{p}.mlp.down_proj.bias", TensorInit.Bias, e);
            }
            else
            {
                Add($"{p}.mlp.fc1.weight", TensorInit.Matrix, visionFf, e);
                Add($"{p}.mlp.fc1.bias", TensorInit.Bias, visionFf);
                Add($"{p}.mlp.fc2.weight", TensorInit.Matrix, e, visionFf);
                Add($"{p}.mlp.fc2.bias", TensorInit.Bias, e);
            }
        }
        Add("visual.merger.ln_q.weight", TensorInit.Norm, e);
        if (!qwen25) Add("visual.merger.ln_q.bias", TensorInit.Bias, e);
        Add("visual.merger.mlp.0.weight", TensorInit.Matrix, merged, merged);
        Add("visual.merger.mlp.0.bias", TensorInit.Bias, merged);
        Add("visual.merger.mlp.2.weight", TensorInit.Matrix, h, merged);
        Add("visual.merger.mlp.2.bias", TensorInit.Bias, h);
        return specs;
    }

    /// <summary>Qwen2.5-VL's vision MLP width, in its published proportion (3420 for 1280) rounded to a multiple of 8.</summary>
    public static int VisionIntermediate(TinyModelOptions o) => (int)Math.Round(o.VisionEmbedSize * 3420.0 / 1280 / 8) * 8;

    /// <summary>Seeded values for one tensor; the same seed and name always give the same values.</summary>
    public static float[] Generate(TensorSpec spec, ulong seed)
    {
        var destination = new float[spec.Shape.Aggregate(1L, (a, b) => a * b)];
        // One generator per tensor (seeded by its name), so values do not depend on the order tensors are made in.
        var random = DeterministicRandom.ForTensor(seed, spec.Name);
        var fanIn = spec.Shape.Length > 1 ? spec.Shape.Skip(1).Aggregate(1L, (a, b) => a * b) : 1;
        switch (spec.Init)
        {
            case TensorInit.Norm:
                random.FillGaussian(destination, 1.0f, 0.05f);
                break;
            case TensorInit.Bias:
                random.FillGaussian(destination, 0f, 0.02f);
                break;
            case TensorInit.PositionTable:
                random.FillGaussian(destination, 0f, 0.1f);
                break;
            default:
                // Scaled like a trained network (~1/sqrt(fan_in)) so activations neither vanish nor explode in tiny models.
                random.FillGaussian(destination, 0f, (float)(1.0 / Math.Sqrt(fanIn)));
                break;
        }
        return destination;
    }
}
