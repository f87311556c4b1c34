using DynamicCot.Finetune.Model;
using DynamicCot.Finetune.Torch;
using DynamicCot.Finetune.Training;
using DynamicCot.Inference.Llama;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DynamicCot.Finetune.Tests.Training;

/// <summary>
/// Gradient checkpointing recomputes each decoder layer in backward instead of keeping its activations: the gradients
/// must be those of the plain forward pass, for LoRA and for full fine-tuning.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class GradientCheckpointingTests(TinyModels models, ITestOutputHelper output)
{
    private static TrainingSequence[] Samples(TinyModelFiles files)
    {
        using var model = LlamaModel.Load(files.LanguageModel);
        TrainingSequence Sample(string prompt, string target)
        {
            var p = model.Vocab.Tokenize(prompt).Select(t => t.Value).ToArray();
            var a = model.Vocab.Tokenize(target).Select(t => t.Value).ToArray();
            return new TrainingSequence([new TextSegment([.. p, .. a])], a.Length);
        }
        return
        [
            Sample("<|im_start|>user\nSuggest hashtags for: Storm hits the coast<|im_end|>\n<|im_start|>assistant\n", "<answer>storm, coast</answer><|im_end|>"),
            Sample("<|im_start|>user\nSuggest hashtags for: Marathon in the rain<|im_end|>\n<|im_start|>assistant\n", "<answer>marathon</answer><|im_end|>"),
        ];
    }

    /// <summary>Summed-loss gradients of <paramref name="trainable"/> after one backward pass, as float64 arrays.</summary>
    private static double[][] Gradients(QwenTextModel model, TrainingSequence[] samples, IReadOnlyList<(string Name, Tensor Tensor)> trainable)
    {
        foreach (var (_, t) in trainable)
            if (t.grad is { } g) { using (g) g.zero_(); }
        using (var scope = NewDisposeScope())
        {
            using var batch = TorchBatch.Create(samples, model.Text.HiddenSize, OutputRows.Supervised, CPU);
            F.cross_entropy(model.Logits(batch), batch.Labels, reduction: nn.Reduction.Sum).backward();
        }
        return trainable.Select(t =>
        {
            using var g = t.Tensor.grad ?? throw new InvalidOperationException($"{t.Name} got no gradient");
            using var d = g.to(ScalarType.Float64);
            return d.data<double>().ToArray();
        }).ToArray();
    }

    /// <summary>Largest |Δ| over all elements, relative to the largest |gradient| of the same tensor.</summary>
    private double LargestRelativeDifference(IReadOnlyList<(string Name, Tensor Tensor)> trainable, double[][] plain, double[][] recomputed)
    {
        double worst = 0;
        for (var i = 0; i < plain.Length; i++)
        {
            var scale = plain[i].Max(Math.Abs);
            Assert.True(scale > 0, $"{trainable[i].Name}: zero gradient, nothing compared");
            var difference = plain[i].Zip(recomputed[i], (a, b) => Math.Abs(a - b)).Max();
            worst = Math.Max(worst, difference / scale);
        }
        output.WriteLine($"{plain.Length} tensors, {plain.Sum(g => g.Length):N0} gradient elements: largest relative difference {worst:E2}");
        return worst;
    }

    private double CompareWithAndWithout(QwenTextModel model, IReadOnlyList<(string Name, Tensor Tensor)> trainable, TrainingSequence[] samples)
    {
        model.UseGradientCheckpointing(false);
        var plain = Gradients(model, samples, trainable);
        model.UseGradientCheckpointing(true);
        var recomputed = Gradients(model, samples, trainable);
        model.UseGradientCheckpointing(false);
        return LargestRelativeDifference(trainable, plain, recomputed);
    }

    [Fact]
    public void Lora_gradients_with_checkpointing_equal_those_without()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        var samples = Samples(files);
        TorchRuntime.Initialize(2);
        using var model = QwenTextModel.Load(files.Checkpoint, new TextModelOptions { RmsEpsilon = 0f });
        model.Lora = new LoraLayers(model, new LoraOptions { Rank = 4, Alpha = 8 });
        // B off zero, so every A receives a gradient too.
        foreach (var (name, tensor) in model.Lora.Trainable.Where(t => t.Name.EndsWith("lora_b", StringComparison.Ordinal)))
        {
            var random = new Random(name.Length);
            TorchTensors.CopyInto(tensor, Enumerable.Range(0, (int)tensor.numel()).Select(_ => (float)(random.NextDouble() - 0.5) * 0.2f).ToArray());
        }
        Assert.True(CompareWithAndWithout(model, model.Lora.Trainable, samples) <= 1e-6);
    }

    [Fact]
    public void Full_fine_tuning_gradients_with_checkpointing_equal_those_without()
    {
        var files = models.Get(QwenVlArchitecture.Qwen25Vl); // untied: embedding and lm_head are separate weights
        var samples = Samples(files);
        TorchRuntime.Initialize(2);
        using var model = QwenTextModel.Load(files.Checkpoint, new TextModelOptions { RmsEpsilon = 0f });
        var trainable = model.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value)).ToArray();
        foreach (var (_, p) in trainable) p.requires_grad_(true);
        Assert.True(CompareWithAndWithout(model, trainable, samples) <= 1e-6);
    }
}
