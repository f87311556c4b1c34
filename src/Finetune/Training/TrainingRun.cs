using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Finetune.Torch;
using DynamicCot.ModelFiles.Lora;

namespace DynamicCot.Finetune.Training;

/// <summary>
/// The worker side of a training run: runs the session, logs every step to <c>metrics.jsonl</c>, saves checkpoints
/// (adapter or full weights + optimizer state + position + Dynamic CoT losses) every N steps and when asked to stop,
/// and writes the outputs that serve: the merged Hugging Face checkpoint (RUN_DIR/merged) and, for LoRA, the
/// llama.cpp adapter. A resume continues from the latest checkpoint exactly where it left off. When the vision tower
/// is trained, its LoRA matrices (or weights) are checkpointed with the state and merged into <c>merged/</c>; the
/// llama.cpp adapter stays language-model only, since llama.cpp applies no LoRA to the mmproj.
/// </summary>
public static class TrainingRun
{
    public const string AdapterFileName = "adapter.gguf";

    public static TrainingEvent Execute(TrainingRunOptions options, bool resume, Action<TrainingEvent> emit, CancellationToken stop)
    {
        var store = new TrainingCheckpointStore(options.OutputDirectory);
        var checkpoint = resume ? store.LoadLatest() : null;
        if (resume && checkpoint is null)
            emit(TrainingEvent.ForLog($"no checkpoint in {store.Directory}; starting from the beginning"));
        if (!resume && store.FindLatest() is { } existing)
            throw new ArgumentException($"The run folder '{options.OutputDirectory}' already has checkpoints ({existing}); use --resume to continue it or choose another --out.");

        using var session = new TrainerSession(options, message => emit(TrainingEvent.ForLog(message)));
        var position = TrainerPosition.Start;
        if (checkpoint is not null)
        {
            Restore(session, checkpoint, store.FindLatest()!);
            session.Optimizer.ImportState(checkpoint.Optimizer.ToTuples(), checkpoint.Optimizer.StepCount);
            if (checkpoint.Epoch < options.Epochs && !checkpoint.DataOrder.SequenceEqual(session.EpochOrder(checkpoint.Epoch)))
                throw new InvalidDataException($"The data in '{options.DataPath}' changed since the checkpoint was written; resume needs the same data.");
            position = new TrainerPosition(checkpoint.Epoch, checkpoint.PositionInEpoch, checkpoint.Step,
                checkpoint.SampleSftLosses.Length > 0 ? checkpoint.SampleSftLosses : null);
            emit(TrainingEvent.ForLog($"resuming at step {checkpoint.Step} (epoch {checkpoint.Epoch + 1}, item {checkpoint.PositionInEpoch})"));
        }

        var schedule = LearningRateSchedule.FromRatios(options.LearningRate, Math.Max(1, session.TotalSteps), options.WarmupRatio, options.MinLearningRateRatio);
        using var metrics = MetricsLog.Open(options.OutputDirectory, resumeAfterStep: checkpoint?.Step ?? -1);
        emit(TrainingEvent.ForLog($"{session.Examples.Count} posts, {session.StepsPerEpoch} steps per epoch, {session.TotalSteps} in all ({options.Strategy.Name()})"));
        emit(TrainingRunPlan.Create(session.Examples.Count, session.StepsPerEpoch, session.TotalSteps, position.OptimizerStep));

        var architecture = ModelFiles.Qwen.QwenVlProjector.LanguageModelArchitecture(session.Model.Config.Architecture);
        string Save(TrainerPosition at)
        {
            var directory = store.Save(new TrainingCheckpoint
            {
                Step = at.OptimizerStep,
                Epoch = at.Epoch,
                PositionInEpoch = at.NextItem,
                DataOrder = at.Epoch < options.Epochs ? session.EpochOrder(at.Epoch) : [],
                DataOrderSeed = options.Seed,
                RngState = options.Seed,
                Optimizer = OptimizerState.From(session.Optimizer.ExportState(), session.Optimizer.Steps),
                Adapter = session.Model.Lora?.ToAdapter(architecture, Info(options)),
                // LoRA runs keep the language-model pairs in the adapter; everything else trained goes with the state.
                Weights = (session.Model.Lora is null ? session.Trainable : session.VisionTrainable)
                    .ToDictionary(t => t.Name, t => TorchTensors.ToFloats(t.Tensor), StringComparer.Ordinal),
                RunOptionsJson = TrainingRunConfig.Serialize(options),
                SampleSftLosses = at.EpochSftLosses ?? [],
            });
            emit(TrainingEvent.ForCheckpoint(at.OptimizerStep, directory));
            return directory;
        }

        string? lastCheckpoint = null;
        var hooks = new TrainerHooks
        {
            LearningRate = step => (float)schedule.At(step),
            OnStep = s =>
            {
                var record = new StepMetrics(s.Step, s.Epoch, s.Loss, s.LearningRate, s.TokensPerSecond, s.Seconds,
                    new Dictionary<string, double> { ["grad_norm"] = s.GradientNorm, ["tokens"] = s.Tokens });
                metrics.Append(record);
                emit(TrainingEvent.ForStep(record));
            },
            OnEpoch = e =>
            {
                var extra = new Dictionary<string, double> { ["skipped_too_long"] = e.SkippedTooLong };
                if (e.MeanSftLoss is { } sft) extra["mean_sft_loss"] = sft;
                var record = new EpochMetrics(e.Epoch, session.Optimizer.Steps, e.Branches.Cot, e.Branches.Sft, e.Branches.FallbackSft, e.MeanLoss, extra);
                metrics.Append(record);
                emit(TrainingEvent.ForEpoch(record));
            },
            OnCheckpoint = at => lastCheckpoint = Save(at),
            OnMessage = m => emit(TrainingEvent.ForLog(m)),
        };

        var outcome = session.Train(hooks, position, stop);
        if (outcome == TrainingOutcome.Stopped)
            return TrainingEvent.ForStopped(session.Optimizer.Steps, lastCheckpoint ?? Save(position));

        string? adapterPath = null;
        if (session.Model.Lora is { } lora)
        {
            adapterPath = Path.Combine(options.OutputDirectory, AdapterFileName);
            LoraAdapterFile.Write(adapterPath, lora.ToAdapter(architecture, Info(options)));
        }
        emit(TrainingEvent.ForLog("writing the merged checkpoint"));
        var merged = MergedCheckpointWriter.Write(session.Model, options.ModelPath, Path.Combine(options.OutputDirectory, MergedCheckpointWriter.FolderName), session.Vision);
        if (session.Vision is not null && adapterPath is not null)
            emit(TrainingEvent.ForLog(VisionAdapterNote));
        // The image budget and prompt format this run trained with travel with its outputs (→ convert → the GGUF).
        var profile = new ServingProfile(options.ImageMaxTokens, ServingProfile.CurrentPromptFormat);
        profile.WriteTo(merged);
        profile.WriteTo(options.OutputDirectory);
        emit(TrainingEvent.ForLog($"merged checkpoint: {merged}"));
        return TrainingEvent.ForDone(session.Optimizer.Steps, adapterPath ?? merged, lastCheckpoint);
    }

    /// <summary>Why a run that trains the vision tower with LoRA must be served from <c>merged/</c>.</summary>
    public const string VisionAdapterNote =
        "adapter.gguf holds the language-model LoRA only (llama.cpp applies no LoRA to the mmproj): serve the merged model (convert run/merged) to use the trained vision tower";

    private static void Restore(TrainerSession session, TrainingCheckpoint checkpoint, string source)
    {
        if (session.Model.Lora is { } lora)
        {
            if (checkpoint.Adapter is null)
                throw new CheckpointFormatException(source, "the run trains LoRA adapters but the checkpoint holds full weights");
            lora.LoadFrom(checkpoint.Adapter, source);
        }
        var kept = session.Model.Lora is null ? session.Trainable : session.VisionTrainable;
        foreach (var (name, tensor) in kept)
        {
            if (!checkpoint.Weights.TryGetValue(name, out var values))
                throw new CheckpointFormatException(source, session.Model.Lora is null
                    ? $"the run fine-tunes every weight but the checkpoint has no '{name}'"
                    : $"the run trains the vision tower but the checkpoint has no '{name}'");
            TorchTensors.CopyInto(tensor, values);
        }
    }

    private static LoraAdapterInfo Info(TrainingRunOptions options) => new()
    {
        Name = $"dynamiccot-{options.Strategy.Name()}",
        BaseModelName = Path.GetFileName(options.ModelPath),
        TrainingRun = System.Text.Json.JsonSerializer.Serialize(new
        {
            strategy = options.Strategy.Name(), epochs = options.Epochs, data = Path.GetFileName(options.DataPath),
            gamma = options.Gamma, rank = options.Lora.Rank, alpha = options.Lora.Alpha,
        }),
    };
}
