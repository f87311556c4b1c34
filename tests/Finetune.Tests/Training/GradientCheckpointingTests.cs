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
/// Gradient checkpointing recomputes each decoder layer in backward instead of keeping its activations: the gradients
/// must be those of the plain forward pass, for LoRA and for full fine-tuning.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class GradientCheckpointingTests(TinyModels models, ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-checkpointing");

    private static TrainingSequence[] Samples(TinyModelFiles files) => HashtagSamples.For(files);

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

    [Fact]
    public async Task Vision_tower_gradients_with_checkpointing_equal_those_without()
    {
        // Qwen2.5-VL: windowed blocks (their mask is a recomputation input) and full-attention blocks.
        const int width = 84, height = 56;
        var files = models.Get(QwenVlArchitecture.Qwen25Vl);
        var crop = await DynamicCot.Finetune.Tests.Torch.VisionTowerParityTests.PhotoCrop(width, height);
        TorchRuntime.Initialize(2);
        using var language = QwenTextModel.Load(files.Checkpoint, new TextModelOptions { RmsEpsilon = 0f });
        using var tower = QwenVisionModel.Load(files.Checkpoint);
        language.Lora = new LoraLayers(language, new LoraOptions { Rank = 2, Alpha = 4 });
        using var visionLora = new LoraLayers(tower, new LoraOptions { Rank = 2, Alpha = 4 });
        tower.Lora = visionLora;
        foreach (var (name, tensor) in visionLora.Trainable.Concat(language.Lora.Trainable).Where(t => t.Name.EndsWith("lora_b", StringComparison.Ordinal)))
            TorchTensors.CopyInto(tensor, Enumerable.Range(0, (int)tensor.numel()).Select(i => (float)Math.Sin(i + name.Length) * 0.2f).ToArray());
        // The patch embedding sits before the first block: its gradient must come back through the blocks' inputs.
        var patch = tower.Parameters["visual.patch_embed.proj.weight"];
        patch.requires_grad_(true);
        (string Name, Tensor Tensor)[] trainable = [.. language.Lora.Trainable, .. visionLora.Trainable, ("visual.patch_embed.proj.weight", patch)];
        using var pixels = tower.Pixels(crop, width, height, PreprocessorConfig.Load(files.Checkpoint), "crop");

        int nx = width / 28, ny = height / 28, tokens = nx * ny;
        var image = new ImageSegment(new float[tokens * language.Text.HiddenSize],
            Enumerable.Range(0, tokens).Select(i => i / nx).ToArray(), Enumerable.Range(0, tokens).Select(i => i % nx).ToArray(), Math.Max(nx, ny));
        var sequence = new TrainingSequence([new TextSegment([11, 12, 13]), image, new TextSegment([14, 15, 16, 17, 18])], 5);
        using var batch = TorchBatch.Create([sequence], language.Text.HiddenSize, OutputRows.Supervised, CPU);

        double[][] Gradients(bool checkpointing)
        {
            language.UseGradientCheckpointing(checkpointing);
            tower.UseGradientCheckpointing(checkpointing);
            foreach (var (_, t) in trainable)
                if (t.grad is { } g) { using (g) g.zero_(); }
            using (var scope = NewDisposeScope())
                F.cross_entropy(language.Logits(batch, tower.Embed(pixels)), batch.Labels, reduction: nn.Reduction.Sum).backward();
            return trainable.Select(t =>
            {
                using var g = t.Tensor.grad ?? throw new InvalidOperationException($"{t.Name} got no gradient");
                using var d = g.to(ScalarType.Float64);
                return d.data<double>().ToArray();
            }).ToArray();
        }

        var plain = Gradients(false);
        var recomputed = Gradients(true);
        Assert.True(LargestRelativeDifference(trainable, plain, recomputed) <= 1e-6);
    }

    [Fact]
    public void A_training_run_with_checkpointing_ends_with_the_same_weights()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        var options = new TrainingRunOptions
        {
            ModelPath = files.Checkpoint, ServingModelPath = files.LanguageModel, ProjectorPath = files.Projector,
            DataPath = TrainingData.Write(_folder, 4), OutputDirectory = _folder.File("run"), EmbeddingCacheDirectory = _folder.File("embeddings"),
            Strategy = TrainingStrategy.Sft, Epochs = 2, BatchSize = 2, LearningRate = 5e-3f, Threads = 2, ImageMaxTokens = 32,
            Lora = new LoraOptions { Rank = 4, Alpha = 8 }, CheckpointEvery = 0, WarmupRatio = 0,
        };
        float[][] Trained(bool checkpointing)
        {
            using var session = new TrainerSession(options with { GradientCheckpointing = checkpointing });
            Assert.Equal(checkpointing, session.Model.Checkpoint is not null);
            session.Train(new TrainerHooks { LearningRate = _ => 5e-3f }, TrainerPosition.Start, default);
            return session.Trainable.Select(t => TorchTensors.ToFloats(t.Tensor)).ToArray();
        }
        var plain = Trained(false);
        var recomputed = Trained(true);
        var largest = plain.Zip(recomputed, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
        output.WriteLine($"4 steps of LoRA training: largest |Δ| between the weights trained with and without checkpointing {largest:E2}");
        Assert.True(largest <= 1e-6, $"weights differ by {largest}");
    }

    public void Dispose() => _folder.Dispose();
}
