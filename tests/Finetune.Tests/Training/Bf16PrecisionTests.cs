using DynamicCot.Finetune.ModelOptions;
using DynamicCot.Finetune.Torch;
using DynamicCot.Finetune.Training;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Lora;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DynamicCot.Finetune.Tests.Training;

/// <summary>
/// <c>--precision bf16</c>: the matrix products run in BF16 while weights, gradients, optimizer state and loss stay
/// F32. The loss stays close to the F32 loss, training still learns, and everything written (checkpoints, adapter,
/// merged weights) is F32 and resumes exactly.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class Bf16PrecisionTests(TinyModels models, ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-bf16");

    private TrainingRunOptions Options(string run, MatmulPrecision precision, FineTuneMode mode = FineTuneMode.Lora, int epochs = 2)
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        return new TrainingRunOptions
        {
            ModelPath = files.Checkpoint, ServingModelPath = files.LanguageModel, ProjectorPath = files.Projector,
            DataPath = TrainingData.Write(_folder, 4), OutputDirectory = _folder.File(run), EmbeddingCacheDirectory = _folder.File("embeddings"),
            Strategy = TrainingStrategy.Sft, Epochs = epochs, BatchSize = 2, LearningRate = 5e-3f, Threads = 2, ImageMaxTokens = 32,
            Lora = new LoraOptions { Rank = 4, Alpha = 8 }, CheckpointEvery = 1, WarmupRatio = 0, Mode = mode, Precision = precision,
        };
    }

    [Fact]
    public void A_bf16_step_has_nearly_the_fp32_loss_and_bf16_training_lowers_it()
    {
        using var session = new TrainerSession(Options("run", MatmulPrecision.Bf16, epochs: 3), output.WriteLine);
        Assert.Equal(MatmulPrecision.Bf16, session.Model.Precision);
        var all = Enumerable.Range(0, session.Examples.Count).ToArray();
        var bf16 = session.SftLosses(all);
        session.Model.Precision = MatmulPrecision.Fp32;
        var fp32 = session.SftLosses(all);
        session.Model.Precision = MatmulPrecision.Bf16;
        var gap = bf16.Zip(fp32, (a, b) => Math.Abs(a - b) / b).Max();
        output.WriteLine($"per-post SFT loss, fp32 vs bf16: {string.Join(", ", fp32.Zip(bf16, (a, b) => $"{a:F4}/{b:F4}"))}; largest relative gap {gap:P2}");
        Assert.True(gap > 0, "bf16 should not give the fp32 loss bit for bit; is it running in bf16 at all?");
        Assert.True(gap < 0.01, $"bf16 loss differs from fp32 by {gap:P2}");

        var steps = new List<StepRecord>();
        session.Train(new TrainerHooks { LearningRate = _ => 5e-3f, OnStep = steps.Add }, TrainerPosition.Start, default);
        var after = session.SftLosses(all).Average();
        output.WriteLine($"bf16 training: mean SFT loss {bf16.Average():F3} → {after:F3} over {steps.Count} steps; step losses {string.Join(", ", steps.Select(s => s.Loss.ToString("F3")))}");
        Assert.True(after < bf16.Average() * 0.8, $"{bf16.Average()} → {after}");
        Assert.All(session.Trainable, t => Assert.Equal(ScalarType.Float32, t.Tensor.dtype));
        Assert.All(session.Trainable, t => Assert.Equal(ScalarType.Float32, t.Tensor.grad!.dtype));
    }

    [Fact]
    public void A_stopped_and_resumed_bf16_run_ends_where_the_straight_one_does_with_f32_outputs()
    {
        var straight = Options("straight", MatmulPrecision.Bf16, FineTuneMode.Full);
        TrainingRun.Execute(straight, resume: false, _ => { }, default);

        var interrupted = Options("interrupted", MatmulPrecision.Bf16, FineTuneMode.Full);
        using (var stop = new CancellationTokenSource())
        {
            var last = TrainingRun.Execute(interrupted, resume: false, e => { if (e.Step == 2) stop.Cancel(); }, stop.Token);
            Assert.Equal(TrainingEvent.StoppedKind, last.Kind);
        }
        var checkpoint = new TrainingCheckpointStore(interrupted.OutputDirectory).LoadLatest()!;
        Assert.Equal("bf16", System.Text.Json.Nodes.JsonNode.Parse(checkpoint.RunOptionsJson)!["precision"]!.GetValue<string>());
        TrainingRun.Execute(interrupted, resume: true, _ => { }, default);

        using var a = SafetensorsCheckpoint.Open(Path.Combine(straight.OutputDirectory, MergedCheckpointWriter.FolderName));
        using var b = SafetensorsCheckpoint.Open(Path.Combine(interrupted.OutputDirectory, MergedCheckpointWriter.FolderName));
        Assert.All(b.Tensors, t => Assert.Equal(SafetensorsDType.F32, t.DType));
        var largest = a.Tensors.Max(t => a.ReadFloat32(t.Name).Zip(b.ReadFloat32(t.Name), (x, y) => Math.Abs(x - y)).Max());
        output.WriteLine($"bf16 full fine-tuning: merged weights of the straight and the resumed run differ by at most {largest:E2}");
        Assert.True(largest <= 1e-6, $"merged weights differ by {largest}");
    }

    [Fact]
    public void A_device_that_cannot_multiply_bf16_is_refused_naming_the_option()
    {
        Bf16Support.Require(CPU);
        var failing = Assert.Throws<PrecisionNotSupportedException>(() => Bf16Support.Require("cuda:0", () => throw new InvalidOperationException("no kernel image")));
        Assert.Contains("--precision bf16", failing.Message);
        Assert.Contains("cuda:0", failing.Message);
        Assert.Contains("no kernel image", failing.Message);
        var wrong = Assert.Throws<PrecisionNotSupportedException>(() => Bf16Support.Require("cuda:0", () => false));
        Assert.Contains("--precision fp32", wrong.Message);
    }

    public void Dispose() => _folder.Dispose();
}
