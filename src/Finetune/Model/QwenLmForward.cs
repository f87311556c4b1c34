using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.Finetune.Model;

/// <summary>Forward-only evaluation of the trainer's graph: logits for every row, or losses per sequence.</summary>
public static class QwenLmForward
{
    /// <summary>Logits <c>[rows][n_vocab]</c> for every row of <paramref name="batch"/>.</summary>
    public static float[][] Logits(GgmlCpuBackend backend, QwenLmWeights weights, LoraParameters? lora, PackedBatch batch, float rmsEps)
    {
        using var compute = new ComputeContext(backend, QwenLmGraph.GraphSize(weights.HyperParameters.LayerCount));
        var inputs = QwenLmGraph.CreateInputs(compute.Context, batch.Length, batch.EmbeddingSize, 0);
        var logits = QwenLmGraph.Build(compute.Context, weights, lora, inputs, rmsEps);
        NativeApi.ggml_set_output(logits);
        var graph = compute.NewGraph(grads: false);
        NativeApi.ggml_build_forward_expand(graph, logits);
        compute.Allocate(graph);
        QwenLmGraph.SetInputs(inputs, batch);
        compute.Compute(graph);
        var flat = GgmlTensorStore.ReadFloats(logits);
        var vocab = weights.HyperParameters.VocabularySize;
        return Enumerable.Range(0, batch.Length).Select(r => flat.AsSpan(r * vocab, vocab).ToArray()).ToArray();
    }
}
