using DynamicCot.Finetune.Training;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;

namespace DynamicCot.Finetune.Tests.Training;

[Collection(TinyModelCollection.Name)]
public sealed class TrainerSessionTests(TinyModels models, ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-train");

    private TrainingRunOptions Options(TrainingStrategy strategy, int epochs = 3) => new()
    {
        ModelPath = models.Get(QwenVlArchitecture.Qwen2Vl).Checkpoint,
        ServingModelPath = models.Get(QwenVlArchitecture.Qwen2Vl).LanguageModel,
        ProjectorPath = models.Get(QwenVlArchitecture.Qwen2Vl).Projector,
        DataPath = TrainingData.Write(_folder, 6),
        OutputDirectory = _folder.File("run"),
        Strategy = strategy, Epochs = epochs, BatchSize = 3, LearningRate = 5e-3f, Threads = 2, ImageMaxTokens = 32,
        Lora = new DynamicCot.Finetune.ModelOptions.LoraOptions { Rank = 4, Alpha = 8 }, CheckpointEvery = 0, WarmupRatio = 0,
    };

    [Fact]
    public void Sft_on_real_posts_with_photos_lowers_the_loss()
    {
        using var session = new TrainerSession(Options(TrainingStrategy.Sft), output.WriteLine);
        Assert.Equal(6, session.Examples.Count);
        var before = session.SftLosses(Enumerable.Range(0, 6).ToArray()).Average();
        var steps = new List<StepRecord>();
        var epochs = new List<EpochRecord>();
        var outcome = session.Train(new TrainerHooks { LearningRate = _ => 5e-3f, OnStep = steps.Add, OnEpoch = epochs.Add }, TrainerPosition.Start, default);
        var after = session.SftLosses(Enumerable.Range(0, 6).ToArray()).Average();
        output.WriteLine($"mean SFT loss {before:F3} → {after:F3} over {steps.Count} steps");
        Assert.Equal(TrainingOutcome.Completed, outcome);
        Assert.Equal(3 * session.StepsPerEpoch, steps.Count);
        Assert.Equal(3, epochs.Count);
        Assert.True(after < before * 0.7, $"{before} → {after}");
        Assert.All(epochs, e => Assert.Equal(6, e.Branches.Sft));
    }

    [Fact]
    public void Full_fine_tuning_on_real_posts_lowers_the_loss_and_leaves_the_vision_tower_alone()
    {
        var options = Options(TrainingStrategy.Sft, epochs: 2) with { Mode = FineTuneMode.Full, LearningRate = 1e-3f };
        using var session = new TrainerSession(options, output.WriteLine);
        Assert.Equal(session.Model.Parameters.Count, session.Trainable.Count);
        var before = session.SftLosses(Enumerable.Range(0, 6).ToArray()).Average();
        session.Train(new TrainerHooks { LearningRate = _ => 1e-3f }, TrainerPosition.Start, default);
        var after = session.SftLosses(Enumerable.Range(0, 6).ToArray()).Average();
        output.WriteLine($"full fine-tuning: mean SFT loss {before:F3} → {after:F3}");
        Assert.True(after < before * 0.7, $"{before} → {after}");

        var merged = DynamicCot.Finetune.Torch.MergedCheckpointWriter.Write(session.Model, options.ModelPath, _folder.File("merged"));
        using var trained = SafetensorsCheckpoint.Open(merged);
        using var original = SafetensorsCheckpoint.Open(options.ModelPath);
        Assert.Equal(original.Tensors.Select(t => t.Name).Order(), trained.Tensors.Select(t => t.Name).Order());
        var vision = original.Tensors.First(t => t.Name.StartsWith("visual.", StringComparison.Ordinal)).Name;
        Assert.Equal(original.ReadFloat32(vision), trained.ReadFloat32(vision));
        Assert.NotEqual(original.ReadFloat32("model.layers.1.mlp.down_proj.weight"), trained.ReadFloat32("model.layers.1.mlp.down_proj.weight"));
        Assert.True(File.Exists(Path.Combine(merged, "tokenizer.json")));
    }

    [Fact]
    public void Dynamic_cot_counts_its_branches_and_falls_back_without_a_rationale()
    {
        // γ above every loss: every sample is "easy" and takes CoT when it has a rationale; half have one.
        using var session = new TrainerSession(Options(TrainingStrategy.Dynamic, epochs: 1) with { Gamma = 1000 }, output.WriteLine);
        var epochs = new List<EpochRecord>();
        session.Train(new TrainerHooks { OnEpoch = epochs.Add }, TrainerPosition.Start, default);
        Assert.Equal(new BranchCounts(3, 0, 3), epochs.Single().Branches);

        // γ = 0: no sample is easy, all take the plain answer.
        using var strict = new TrainerSession(Options(TrainingStrategy.Dynamic, epochs: 1) with { Gamma = 0 }, output.WriteLine);
        var strictEpochs = new List<EpochRecord>();
        strict.Train(new TrainerHooks { OnEpoch = strictEpochs.Add }, TrainerPosition.Start, default);
        Assert.Equal(new BranchCounts(0, 6, 0), strictEpochs.Single().Branches);
        Assert.NotNull(strictEpochs.Single().MeanSftLoss);
    }

    [Fact]
    public void Dynamic_cot_branches_shift_towards_cot_as_the_losses_fall()
    {
        // γ sits between the untrained SFT loss (about 7) and what a few epochs reach: early epochs train the plain
        // answer, later ones, with the answers learnt, switch the posts that have a rationale to CoT.
        var options = Options(TrainingStrategy.Dynamic, epochs: 6) with { Gamma = 3.0, LearningRate = 1e-2f };
        using var session = new TrainerSession(options, output.WriteLine);
        var epochs = new List<EpochRecord>();
        session.Train(new TrainerHooks { LearningRate = _ => 1e-2f, OnEpoch = epochs.Add }, TrainerPosition.Start, default);
        foreach (var e in epochs)
            output.WriteLine($"epoch {e.Epoch}: mean L_sft {e.MeanSftLoss:F3}, CoT {e.Branches.Cot}, SFT {e.Branches.Sft}, fallback {e.Branches.FallbackSft}");
        Assert.Equal(0, epochs[0].Branches.Cot);
        Assert.True(epochs[^1].Branches.Cot > 0, "no sample switched to CoT");
        Assert.True(epochs[^1].MeanSftLoss < epochs[0].MeanSftLoss);
        Assert.All(epochs, e => Assert.Equal(6, e.Branches.Cot + e.Branches.Sft + e.Branches.FallbackSft));
    }

    public void Dispose() => _folder.Dispose();
}
