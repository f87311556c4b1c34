using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.Finetune.Model;

/// <summary>Forward-only evaluation of the trainer's graph: logits for every row, or losses per sequence.</summary>
public static class QwenLmForward
{
    /// <summary>Logits <c>[rows][n_vocab]</c> for every row of <paramref name="batch"/>.</summary>
    public static float[][] Logits(GgmlCpuBackend backend, QwenLmWeights weights, LoraParameters? lora, PackedBatch batch, float rmsEps)
    {
        var flat = Run(backend, weights, lora, batch, rmsEps, supervisedRowsOnly: false);
        var vocab = weights.HyperParameters.VocabularySize;
        return Enumerable.Range(0, batch.Length).Select(r => flat.AsSpan(r * vocab, vocab).ToArray()).ToArray();
    }

    /// <summary>Runs the forward graph once; flat logits of every row, or of the supervised rows only.</summary>
    internal static float[] Run(GgmlCpuBackend backend, QwenLmWeights weights, LoraParameters? lora, PackedBatch batch, float rmsEps, bool supervisedRowsOnly)
    {
        using var compute = new ComputeContext(backend, QwenLmGraph.GraphSize(weights.HyperParameters.LayerCount));
        var inputs = QwenLmGraph.CreateInputs(compute.Context, batch.Length, batch.EmbeddingSize, supervisedRowsOnly ? batch.SupervisedRows.Length : 0);
        var logits = QwenLmGraph.Build(compute.Context, weights, lora, inputs, rmsEps);
        NativeApi.ggml_set_output(logits);
        var graph = compute.NewGraph(grads: false);
        NativeApi.ggml_build_forward_expand(graph, logits);
        compute.Allocate(graph);
        QwenLmGraph.SetInputs(inputs, batch);
        compute.Compute(graph);
        return GgmlTensorStore.ReadFloats(logits);
    }
}

/// <summary>Teacher-forced losses of packed sequences under the current weights (forward only).</summary>
public static class SupervisedLoss
{
    /// <summary>Mean negative log-likelihood of each packed sequence's supervised tokens.</summary>
    public static double[] PerSequence(GgmlCpuBackend backend, QwenLmWeights weights, LoraParameters? lora, PackedBatch batch, float rmsEps)
    {
        var flat = QwenLmForward.Run(backend, weights, lora, batch, rmsEps, supervisedRowsOnly: true);
        var vocab = weights.HyperParameters.VocabularySize;
        var result = new double[batch.SupervisedPerSequence.Length];
        var row = 0;
        for (var s = 0; s < result.Length; s++)
        {
            var n = batch.SupervisedPerSequence[s];
            double sum = 0;
            for (var i = 0; i < n; i++, row++)
                sum += NegativeLogLikelihood(flat.AsSpan(row * vocab, vocab), batch.Labels[row]);
            result[s] = n == 0 ? double.NaN : sum / n;
        }
        return result;
    }

    internal static double NegativeLogLikelihood(ReadOnlySpan<float> logits, int label)
    {
        var max = float.NegativeInfinity;
        foreach (var v in logits) if (v > max) max = v;
        double sum = 0;
        foreach (var v in logits) sum += Math.Exp(v - max);
        return Math.Log(sum) + max - logits[label];
    }
}
