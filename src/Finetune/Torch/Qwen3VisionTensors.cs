using DynamicCot.ModelFiles.HuggingFace;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DynamicCot.Finetune.Torch;

/// <summary>What the Qwen3-VL vision tower has beyond Qwen2-VL's: its tensors, and the learned position table resized to an image.</summary>
internal static class Qwen3VisionTensors
{
    public const string PositionTableName = "visual.pos_embed.weight";

    /// <summary>Every vision tensor of a Qwen3-VL checkpoint (canonical name) and its shape, as config.json implies them.</summary>
    public static IEnumerable<(string Name, long[] Shape)> Expected(QwenVlConfig config)
    {
        var v = config.Vision;
        long e = v.EmbedDim, ff = v.IntermediateSize, merged = e * v.SpatialMergeSize * v.SpatialMergeSize, p = v.PatchSize, o = v.OutHiddenSize;
        yield return ("visual.patch_embed.proj.weight", [e, v.InChannels, v.TemporalPatchSize, p, p]);
        yield return ("visual.patch_embed.proj.bias", [e]);
        yield return (PositionTableName, [v.NumPositionEmbeddings ?? 2304, e]);
        for (var i = 0; i < v.Depth; i++)
        {
            var b = $"visual.blocks.{i}.";
            foreach (var (module, shape) in new (string, long[])[]
                     {
                         ("norm1", [e]), ("norm2", [e]), ("attn.qkv", [3 * e, e]), ("attn.proj", [e, e]),
                         ("mlp.linear_fc1", [ff, e]), ("mlp.linear_fc2", [e, ff]),
                     })
            {
                yield return (b + module + ".weight", shape);
                yield return (b + module + ".bias", [shape[0]]);
            }
        }
        foreach (var item in Merger("visual.merger", e, merged, o))
            yield return item;
        for (var k = 0; k < v.DeepstackVisualIndexes.Count; k++)
            foreach (var item in Merger($"visual.deepstack_merger_list.{k}", merged, merged, o))
                yield return item;
    }

    private static IEnumerable<(string Name, long[] Shape)> Merger(string prefix, long normWidth, long merged, long output)
    {
        yield return (prefix + ".norm.weight", [normWidth]);
        yield return (prefix + ".norm.bias", [normWidth]);
        yield return (prefix + ".linear_fc1.weight", [merged, merged]);
        yield return (prefix + ".linear_fc1.bias", [merged]);
        yield return (prefix + ".linear_fc2.weight", [output, merged]);
        yield return (prefix + ".linear_fc2.bias", [output]);
    }

    /// <summary>
    /// The learned side × side position table resized to the patch grid, <c>[1, e, gridH, gridW]</c> like the patch
    /// convolution's output: bilinear with aligned corners, as transformers' <c>fast_pos_embed_interpolate</c>
    /// (<c>linspace(0, side − 1, n)</c>) and mtmd's <c>resize_position_embeddings</c> (ggml_interpolate, bilinear, align
    /// corners) compute it; a grid of the table's own size gets the table unchanged.
    /// </summary>
    public static Tensor PositionEmbeddings(IReadOnlyDictionary<string, Tensor> parameters, QwenVlVisionConfig vision, long gridH, long gridW)
    {
        var table = parameters[PositionTableName];
        var side = (long)Math.Round(Math.Sqrt(table.shape[0]));
        var grid = table.reshape(1, side, side, vision.EmbedDim).permute(0, 3, 1, 2);
        if (gridH == side && gridW == side)
            return grid;
        return F.interpolate(grid, [gridH, gridW], mode: InterpolationMode.Bilinear, align_corners: true);
    }
}
