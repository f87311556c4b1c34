using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>The tensors of a random-weight checkpoint: real Hugging Face names and shapes, seeded random values.</summary>
public static class TinyWeights
{
    public sealed record TensorSpec(string Name, long[] Shape, TensorInit Init);

    /// <summary>How a tensor's values are drawn; <see cref="PositionTable"/> is a learned position embedding (small, like a trained one).</summary>
    public enum TensorInit { Matrix, Norm, Bias, PositionTable }

    /// <summary>Every tensor a checkpoint of this config has, under its Hugging Face name.</summary>
    public static IReadOnlyList<TensorSpec> Specs(QwenVlConfig config)
    {
        if (config.Architecture == QwenVlArchitecture.Qwen3Vl)
            return TinyQwen3VlWeights.Specs(config);
        var specs = new List<TensorSpec>();
        void Add(string name, TensorInit init, params long[] shape) => specs.Add(new TensorSpec(name, shape, init));

        var text = config.Text;
        long h = text.HiddenSize, kv = text.NumKeyValueHeads * text.HeadDim, ff = text.IntermediateSize;
        Add("model.embed_tokens.weight", TensorInit.Matrix, text.VocabSize, h);
        for (var i = 0; i < text.NumHiddenLayers; i++)
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
        if (!text.TieWordEmbeddings)
            Add("lm_head.weight", TensorInit.Matrix, text.VocabSize, h);

        var vision = config.Vision;
        long e = vision.EmbedDim, merged = e * vision.SpatialMergeSize * vision.SpatialMergeSize, patch = vision.PatchSize;
        var qwen25 = config.Architecture == QwenVlArchitecture.Qwen25Vl;
        long visionFf = vision.IntermediateSize;
        Add("visual.patch_embed.proj.weight", TensorInit.Matrix, e, vision.InChannels, vision.TemporalPatchSize, patch, patch);
        for (var i = 0; i < vision.Depth; i++)
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
        Filler(spec, seed)(0, destination);
        return destination;
    }

    /// <summary>
    /// The same values as <see cref="Generate"/>, produced chunk by chunk in order (as <see cref="SafetensorsWriter"/>
    /// asks for them), so a multi-GB tensor never has to be held in memory.
    /// </summary>
    /// <param name="uniform">Uniform values of the same mean and spread instead of Gaussian ones (much faster; for
    /// published-size checkpoints, where generating billions of Gaussian values would take longer than converting them).</param>
    public static TensorFiller Filler(TensorSpec spec, ulong seed, bool uniform = false)
    {
        // One generator per tensor (seeded by its name), so values do not depend on the order tensors are made in.
        DeterministicRandom? random = null;
        long next = 0;
        var fanIn = spec.Shape.Length > 1 ? spec.Shape.Skip(1).Aggregate(1L, (a, b) => a * b) : 1;
        var (mean, std) = spec.Init switch
        {
            TensorInit.Norm => (1.0f, 0.05f),
            TensorInit.Bias => (0f, 0.02f),
            TensorInit.PositionTable => (0f, 0.1f),
            // Scaled like a trained network (~1/sqrt(fan_in)) so activations neither vanish nor explode.
            _ => (0f, (float)(1.0 / Math.Sqrt(fanIn))),
        };
        return (first, destination) =>
        {
            if (first == 0)
            {
                random = DeterministicRandom.ForTensor(seed, spec.Name);
                next = 0;
            }
            if (first != next || random is null)
                throw new InvalidOperationException($"tensor \"{spec.Name}\": values are generated in order; asked for element {first}, next is {next}");
            if (uniform)
                random.FillUniform(destination, mean, std);
            else
                random.FillGaussian(destination, mean, std);
            next += destination.Length;
        };
    }
}
