namespace DynamicCot.Finetune.Training;

/// <summary>
/// Where a run is: the epoch, the next item in that epoch's (seeded, reproducible) order, the optimizer step, and the
/// SFT losses Dynamic CoT chose this epoch's targets with — everything needed to continue exactly.
/// </summary>
public sealed record TrainerPosition(int Epoch, int NextItem, long OptimizerStep, double[]? EpochSftLosses)
{
    public static TrainerPosition Start => new(0, 0, 0, null);
}

/// <summary>One optimizer step, as logged.</summary>
public sealed record StepRecord(long Step, int Epoch, double Loss, float LearningRate, double GradientNorm, int Tokens, double TokensPerSecond, double Seconds);

/// <summary>One finished epoch, as logged: mean loss and, for Dynamic CoT, how many samples took each branch.</summary>
public sealed record EpochRecord(int Epoch, double MeanLoss, BranchCounts Branches, double? MeanSftLoss, int SkippedTooLong);

/// <summary>Callbacks a training run reports to and asks (checkpoints are the host's business).</summary>
public sealed class TrainerHooks
{
    public Func<long, float> LearningRate { get; init; } = _ => 1e-4f;
    public Action<StepRecord>? OnStep { get; init; }
    public Action<EpochRecord>? OnEpoch { get; init; }
    /// <summary>Called after an optimizer step when a checkpoint is due, and when a stop is requested.</summary>
    public Action<TrainerPosition>? OnCheckpoint { get; init; }
    public Action<string>? OnMessage { get; init; }
}
