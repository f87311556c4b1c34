using DynamicCot.Finetune.ModelOptions;
using DynamicCot.Finetune.ModelInputs;
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
/// Backpropagation through the TorchSharp model is right: LoRA and full fine-tuning gradients agree with central
/// finite differences of the loss (the model in float64, so the differences are exact to far below 1 %), and AdamW
/// with them fits a sample.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class GradientTests(TinyModels models, ITestOutputHelper output)
{
    private static TrainingSequence[] Samples(TinyModelFiles files) => HashtagSamples.For(files);

    private static double MeanLoss(QwenTextModel model, TrainingSequence[] samples)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        using var batch = TorchBatch.Create(samples, model.InputEmbeddingSize, OutputRows.Supervised, CPU);
        return F.cross_entropy(model.Logits(batch), batch.Labels).to(ScalarType.Float64).item<double>();
    }

    private static void Backward(QwenTextModel model, TrainingSequence[] samples)
    {
        using var scope = NewDisposeScope();
        using var batch = TorchBatch.Create(samples, model.InputEmbeddingSize, OutputRows.Supervised, CPU);
        F.cross_entropy(model.Logits(batch), batch.Labels).backward();
    }

    /// <summary>Checks the largest-gradient element of each tensor against (L(θ+h) − L(θ−h)) / 2h.</summary>
    private void CheckAgainstFiniteDifferences(QwenTextModel model, TrainingSequence[] samples, IEnumerable<(string Name, Tensor Tensor)> tensors)
    {
        Backward(model, samples);
        var checkedCount = 0;
        foreach (var (name, tensor) in tensors)
        {
            using var grad = tensor.grad!;
            var flatGrad = grad.reshape(-1);
            var index = flatGrad.abs().argmax().item<long>();
            var exact = flatGrad[index].item<double>();
            const double h = 1e-5;
            double Perturbed(double delta)
            {
                using (no_grad()) tensor.reshape(-1)[index].add_(delta);
                return MeanLoss(model, samples);
            }
            var plus = Perturbed(h);
            var minus = Perturbed(-2 * h);
            Perturbed(h);
            var numeric = (plus - minus) / (2 * h);
            output.WriteLine($"{name}[{index}]: analytic {exact:E6}, numeric {numeric:E6}");
            Assert.True(Math.Abs(numeric - exact) <= 0.01 * Math.Abs(exact) + 1e-9, $"{name}[{index}]: analytic {exact}, numeric {numeric}");
            checkedCount++;
        }
        Assert.True(checkedCount > 0);
    }

    [Theory]
    [InlineData(QwenVlArchitecture.Qwen2Vl)]
    [InlineData(QwenVlArchitecture.Qwen3Vl)] // through q/k RMSNorm, interleaved M-RoPE and the DeepStack image rows
    public void Lora_gradients_match_central_finite_differences(QwenVlArchitecture arch)
    {
        var files = models.Get(arch);
        var samples = Samples(files);
        TorchRuntime.Initialize(2);
        using var model = QwenTextModel.Load(files.Checkpoint, new TextModelOptions { RmsEpsilon = 0f, DType = ScalarType.Float64 });
        model.Lora = new LoraLayers(model, new LoraOptions { Rank = 4, Alpha = 8, Targets = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"] });
        // Move B off zero so every LoRA path carries gradient.
        foreach (var (name, tensor) in model.Lora.Trainable.Where(t => t.Name.EndsWith("lora_b", StringComparison.Ordinal)))
        {
            var random = new Random(name.Length);
            TorchTensors.CopyInto(tensor, Enumerable.Range(0, (int)tensor.numel()).Select(_ => (float)(random.NextDouble() - 0.5) * 0.2f).ToArray());
        }
        CheckAgainstFiniteDifferences(model, samples, model.Lora.Trainable);
    }

    [Theory]
    [InlineData(QwenVlArchitecture.Qwen25Vl)] // untied output: embedding and lm_head are separate weights
    [InlineData(QwenVlArchitecture.Qwen3Vl)] // q_norm / k_norm weights among them
    public void Full_fine_tuning_gradients_match_central_finite_differences(QwenVlArchitecture arch)
    {
        var files = models.Get(arch);
        var samples = Samples(files);
        TorchRuntime.Initialize(2);
        using var model = QwenTextModel.Load(files.Checkpoint, new TextModelOptions { RmsEpsilon = 0f, DType = ScalarType.Float64 });
        Assert.Equal(arch == QwenVlArchitecture.Qwen3Vl, model.Tied);
        foreach (var p in model.Parameters.Values) p.requires_grad_(true);
        var layer1 = model.Parameters.Where(p => !p.Key.StartsWith("model.layers.0.", StringComparison.Ordinal)).Select(p => (p.Key, p.Value)).ToArray();
        CheckAgainstFiniteDifferences(model, samples, layer1);
    }

    [Fact]
    public void Adamw_with_these_gradients_fits_two_samples()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        var samples = Samples(files);
        TorchRuntime.Initialize(2);
        using var model = QwenTextModel.Load(files.Checkpoint, new TextModelOptions { RmsEpsilon = 0f });
        model.Lora = new LoraLayers(model, new LoraOptions { Rank = 4, Alpha = 8, Targets = ["attn_q", "attn_v", "ffn_down"] });
        using var optimizer = new AdamWOptimizer(model.Lora.Trainable, new AdamWOptions { WeightDecay = 0 });
        var first = MeanLoss(model, samples);
        for (var step = 0; step < 30; step++)
        {
            Backward(model, samples);
            optimizer.Step(1e-2f);
            foreach (var (_, t) in model.Lora.Trainable) t.grad!.zero_();
        }
        var last = MeanLoss(model, samples);
        output.WriteLine($"loss {first:F3} → {last:F3} after 30 AdamW steps");
        Assert.True(last < first * 0.3, $"loss {first} → {last}");
        Assert.Equal(30, optimizer.Steps);
    }
}
