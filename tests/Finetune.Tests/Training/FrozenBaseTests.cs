using DynamicCot.Finetune.Torch;
using DynamicCot.Finetune.Training;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DynamicCot.Finetune.Tests.Training;

/// <summary>
/// LoRA runs hold the frozen base's weight matrices in BF16 (half the memory of F32) while the adapters, their
/// gradients, the optimizer state, norms and activations stay F32; the loss matches the F32 base closely and training
/// still learns. <c>--frozen-weights fp32</c> and full fine-tuning keep every weight in F32.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class FrozenBaseTests(TinyModels models, ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-frozen");

    private TrainingRunOptions Options(string run, FrozenWeightFormat frozen, FineTuneMode mode = FineTuneMode.Lora)
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        return new TrainingRunOptions
        {
            ModelPath = files.Checkpoint, ServingModelPath = files.LanguageModel, ProjectorPath = files.Projector,
            DataPath = TrainingData.Write(_folder, 4), OutputDirectory = _folder.File(run), EmbeddingCacheDirectory = _folder.File("embeddings"),
            Strategy = TrainingStrategy.Sft, Epochs = 3, BatchSize = 2, LearningRate = 5e-3f, Threads = 2, ImageMaxTokens = 32,
            Lora = new DynamicCot.Finetune.Model.LoraOptions { Rank = 4, Alpha = 8 }, CheckpointEvery = 0, WarmupRatio = 0,
            Mode = mode, FrozenWeights = frozen, GradientCheckpointing = true,
        };
    }

    private static long Bytes(IEnumerable<Tensor> tensors) => tensors.Sum(t => t.numel() * t.ElementSize);

    [Fact]
    public void A_lora_run_keeps_the_frozen_matrices_in_bf16_and_still_learns()
    {
        using var session = new TrainerSession(Options("bf16", FrozenWeightFormat.Bf16), output.WriteLine);
        var parameters = session.Model.Parameters;
        Assert.All(parameters.Where(p => p.Value.dim() >= 2), p => Assert.Equal(ScalarType.BFloat16, p.Value.dtype));
        Assert.All(parameters.Where(p => p.Value.dim() < 2), p => Assert.Equal(ScalarType.Float32, p.Value.dtype));
        Assert.All(parameters.Values, p => Assert.False(p.requires_grad));
        var frozenBytes = Bytes(parameters.Values);
        var f32Bytes = parameters.Values.Sum(p => p.numel() * 4);
        output.WriteLine($"frozen language model: {frozenBytes:N0} bytes held, {f32Bytes:N0} in F32 ({(double)frozenBytes / f32Bytes:P1})");
        Assert.True(frozenBytes < f32Bytes * 0.55, $"{frozenBytes} of {f32Bytes}");

        using var f32Session = new TrainerSession(Options("f32", FrozenWeightFormat.Fp32), output.WriteLine);
        Assert.All(f32Session.Model.Parameters.Values, p => Assert.Equal(ScalarType.Float32, p.dtype));
        var all = Enumerable.Range(0, session.Examples.Count).ToArray();
        var before = session.SftLosses(all);
        var f32Before = f32Session.SftLosses(all);
        var gap = before.Zip(f32Before, (a, b) => Math.Abs(a - b) / b).Max();
        output.WriteLine($"SFT loss, F32 vs BF16 base: {string.Join(", ", f32Before.Zip(before, (a, b) => $"{a:F4}/{b:F4}"))}; largest relative gap {gap:P3}");
        Assert.True(gap < 0.01, $"the BF16 base changes the loss by {gap:P2}");

        var steps = new List<StepRecord>();
        session.Train(new TrainerHooks { LearningRate = _ => 5e-3f, OnStep = steps.Add }, TrainerPosition.Start, default);
        var after = session.SftLosses(all).Average();
        output.WriteLine($"BF16 base: mean SFT loss {before.Average():F3} → {after:F3} over {steps.Count} steps");
        Assert.True(after < before.Average() * 0.8, $"{before.Average()} → {after}");
        Assert.All(session.Trainable, t => Assert.Equal(ScalarType.Float32, t.Tensor.dtype));
        Assert.All(session.Trainable, t => Assert.Equal(ScalarType.Float32, t.Tensor.grad!.dtype));
        Assert.All(session.Model.Parameters.Where(p => p.Value.dim() >= 2), p => Assert.Equal(ScalarType.BFloat16, p.Value.dtype));
    }

    [Fact]
    public void Full_fine_tuning_holds_every_weight_in_f32_whatever_the_frozen_format()
    {
        using var session = new TrainerSession(Options("full", FrozenWeightFormat.Bf16, FineTuneMode.Full), output.WriteLine);
        Assert.All(session.Model.Parameters.Values, p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.All(session.Model.Parameters.Values, p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void The_frozen_format_is_parsed_from_its_option_and_refused_by_name()
    {
        Assert.Equal(FrozenWeightFormat.Bf16, FrozenWeightFormats.Parse("BF16"));
        Assert.Equal(FrozenWeightFormat.Fp32, FrozenWeightFormats.Parse("fp32"));
        var e = Assert.Throws<ArgumentException>(() => FrozenWeightFormats.Parse("int8"));
        Assert.Contains("--frozen-weights", e.Message);
        Assert.Equal(FrozenWeightFormat.Bf16, new TrainingRunOptions { ModelPath = "m", DataPath = "d", OutputDirectory = "o" }.FrozenWeights);
    }

    public void Dispose() => _folder.Dispose();
}
