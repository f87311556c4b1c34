using DynamicCot.Finetune.Model;
using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.Finetune.Training;

/// <summary>What one forward + backward pass over a packed batch gave.</summary>
public sealed record GradientResult(double Loss, int SupervisedTokens, IReadOnlyDictionary<string, float[]> Gradients);

/// <summary>
/// One forward and backward pass of the LoRA-adapted model over a packed batch, with the loss on the answer rows
/// only: the supervised rows are selected with <c>ggml_get_rows</c> before the cross-entropy, because ggml's
/// cross-entropy gradient is wrong for all-zero ("masked") label rows. Gradients of the trainable tensors are
/// copied out so the optimizer can accumulate, clip and apply them.
/// </summary>
public static class GradientStep
{
    public static GradientResult Run(GgmlCpuBackend backend, QwenLmWeights weights, LoraParameters lora, PackedBatch batch, float rmsEps)
    {
        if (batch.SupervisedRows.Length == 0)
            throw new ArgumentException("The batch has no supervised tokens (empty answers?).");
        var vocab = weights.HyperParameters.VocabularySize;
        foreach (var label in batch.Labels)
            if ((uint)label >= (uint)vocab)
                throw new ArgumentException($"Label token {label} is outside the vocabulary (size {vocab}).");

        using var compute = new ComputeContext(backend, QwenLmGraph.GraphSize(weights.HyperParameters.LayerCount) * 3);
        var ctx = compute.Context;
        var inputs = QwenLmGraph.CreateInputs(ctx, batch.Length, batch.EmbeddingSize, batch.SupervisedRows.Length);
        var logits = QwenLmGraph.Build(ctx, weights, lora, inputs, rmsEps);
        var labels = NativeApi.ggml_new_tensor_2d(ctx, GgmlType.F32, vocab, batch.SupervisedRows.Length);
        NativeApi.ggml_set_name(labels, "inp_labels");
        NativeApi.ggml_set_input(labels);
        var loss = NativeApi.ggml_cross_entropy_loss(ctx, logits, labels);
        NativeApi.ggml_set_name(loss, "loss");
        NativeApi.ggml_set_output(loss);
        NativeApi.ggml_set_loss(loss);

        var forward = compute.NewGraph(grads: true);
        NativeApi.ggml_build_forward_expand(forward, loss);
        var backward = NativeErrors.CheckPointer(NativeApi.ggml_graph_dup(ctx, forward, true), "ggml_graph_dup");
        unsafe { NativeApi.ggml_build_backward_expand(ctx, backward, null); }
        var trainable = lora.Trainable;
        var grads = trainable.Select(t => (t.Name, Grad: NativeApi.ggml_graph_get_grad(backward, t.Tensor))).ToArray();
        foreach (var (name, grad) in grads)
        {
            if (grad == 0)
                throw new InvalidOperationException($"No gradient reaches '{name}'.");
            NativeApi.ggml_set_output(grad);
        }

        compute.Allocate(backward);
        QwenLmGraph.SetInputs(inputs, batch);
        var oneHot = new float[(long)vocab * batch.Labels.Length];
        for (var i = 0; i < batch.Labels.Length; i++)
            oneHot[(long)i * vocab + batch.Labels[i]] = 1f;
        GgmlTensorStore.Write(labels, oneHot);
        // Zero the gradients and seed d(loss)/d(loss) = 1.
        NativeApi.ggml_graph_reset(backward);
        compute.Compute(backward);

        var value = GgmlTensorStore.ReadFloats(loss)[0];
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (name, grad) in grads)
            result[name] = GgmlTensorStore.ReadFloats(grad);
        return new GradientResult(value, batch.Labels.Length, result);
    }
}
