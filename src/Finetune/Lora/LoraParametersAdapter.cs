using DynamicCot.Finetune.Model;
using DynamicCot.Quantize.Lora;

namespace DynamicCot.Finetune.Lora;

/// <summary>
/// Moves LoRA weights between the trainer's ggml tensors and <see cref="LoraAdapter"/> (the adapter file / checkpoint
/// model). The memory layouts are the same — A is ggml ne <c>[n_in, r]</c> = row-major <c>[r, n_in]</c>, B is ne
/// <c>[r, n_out]</c> = row-major <c>[n_out, r]</c> — so this only copies.
/// </summary>
public static class LoraParametersAdapter
{
    /// <summary>A snapshot of the current LoRA weights (copied out of the ggml buffers).</summary>
    /// <param name="architecture">The base model's <c>general.architecture</c>.</param>
    public static LoraAdapter ToAdapter(this LoraParameters lora, string architecture, LoraAdapterInfo? info = null)
    {
        ArgumentNullException.ThrowIfNull(lora);
        var adapter = new LoraAdapter(architecture, lora.Options.Alpha, info);
        foreach (var weight in lora.TargetWeights)
        {
            lora.TryGet(weight, out var pair);
            var shapeA = GgmlTensorStore.ShapeOf(pair.A);
            var shapeB = GgmlTensorStore.ShapeOf(pair.B);
            adapter.Add(new LoraTensorPair(weight, (int)shapeA[1], (int)shapeA[0], (int)shapeB[1],
                GgmlTensorStore.ReadFloats(pair.A), GgmlTensorStore.ReadFloats(pair.B)));
        }
        return adapter;
    }

    /// <summary>
    /// Overwrites the LoRA weights with <paramref name="adapter"/>'s (resume from a checkpoint). The adapter must have
    /// exactly the same targets, ranks and alpha.
    /// </summary>
    /// <exception cref="LoraAdapterException">A target, shape or alpha differs (the message names the tensor).</exception>
    public static void LoadFrom(this LoraParameters lora, LoraAdapter adapter, string sourcePath)
    {
        ArgumentNullException.ThrowIfNull(lora);
        ArgumentNullException.ThrowIfNull(adapter);
        if (adapter.Alpha != lora.Options.Alpha)
            throw new LoraAdapterException(sourcePath, null, $"alpha is {adapter.Alpha} but the run uses {lora.Options.Alpha}");
        var targets = lora.TargetWeights.ToHashSet(StringComparer.Ordinal);
        foreach (var extra in adapter.TargetNames.Where(n => !targets.Contains(n)))
            throw new LoraTargetMissingException(sourcePath, extra, "the run's LoRA targets");
        foreach (var weight in targets)
        {
            if (!adapter.TryGet(weight, out var source))
                throw new LoraAdapterException(sourcePath, weight, "the run trains this weight but the adapter has no pair for it");
            lora.TryGet(weight, out var pair);
            var shapeA = GgmlTensorStore.ShapeOf(pair.A);
            var shapeB = GgmlTensorStore.ShapeOf(pair.B);
            if (shapeA[0] != source.InFeatures || shapeA[1] != source.Rank || shapeB[1] != source.OutFeatures)
                throw new LoraShapeMismatchException(sourcePath, weight,
                    $"the adapter has rank {source.Rank}, n_in {source.InFeatures}, n_out {source.OutFeatures}; the run has rank {shapeA[1]}, n_in {shapeA[0]}, n_out {shapeB[1]}");
            GgmlTensorStore.Write(pair.A, source.A);
            GgmlTensorStore.Write(pair.B, source.B);
        }
    }
}
