namespace DynamicCot.Finetune.Training;

/// <summary>
/// Linear warm-up from 0 to <see cref="PeakLearningRate"/> over <see cref="WarmupSteps"/> optimizer steps, then cosine
/// decay to <see cref="MinLearningRate"/> at <see cref="TotalSteps"/>, flat after. A pure function of the step, so a
/// resumed run gets exactly the rates an uninterrupted one would.
/// </summary>
public sealed record LearningRateSchedule
{
    public LearningRateSchedule(double peakLearningRate, int totalSteps, int warmupSteps = 0, double minLearningRate = 0)
    {
        if (!double.IsFinite(peakLearningRate) || peakLearningRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(peakLearningRate), peakLearningRate, "the peak learning rate must be positive");
        if (totalSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "a schedule needs at least one step");
        if (warmupSteps < 0 || warmupSteps > totalSteps)
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"warm-up must be 0..{totalSteps} steps");
        if (!double.IsFinite(minLearningRate) || minLearningRate < 0 || minLearningRate > peakLearningRate)
            throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate, "the floor must be between 0 and the peak");
        PeakLearningRate = peakLearningRate;
        TotalSteps = totalSteps;
        WarmupSteps = warmupSteps;
        MinLearningRate = minLearningRate;
    }

    /// <summary>
    /// From shares, as <c>TrainingRunOptions</c> holds them: warm-up over <paramref name="warmupRatio"/> of the steps
    /// (rounded up, so any positive ratio warms up at least one step), floor at <paramref name="minRatio"/>·peak.
    /// </summary>
    public static LearningRateSchedule FromRatios(double peakLearningRate, long totalSteps, double warmupRatio, double minRatio)
    {
        if (totalSteps is < 1 or > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "a schedule needs 1 to 2^31-1 steps");
        if (warmupRatio is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(warmupRatio), warmupRatio, "the warm-up share must be in [0, 1)");
        if (minRatio is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(minRatio), minRatio, "the floor share must be in [0, 1]");
        var warmup = (int)Math.Ceiling(warmupRatio * totalSteps);
        return new LearningRateSchedule(peakLearningRate, (int)totalSteps, Math.Min(warmup, (int)totalSteps), peakLearningRate * minRatio);
    }

    public double PeakLearningRate { get; }

    /// <summary>Optimizer steps in the whole run (after gradient accumulation).</summary>
    public int TotalSteps { get; }

    public int WarmupSteps { get; }

    public double MinLearningRate { get; }

    /// <summary>
    /// The rate for optimizer step <paramref name="step"/> (0-based). Warm-up uses <c>(step+1)/warmup</c> so the
    /// first step already moves the weights; the cosine runs over the steps after warm-up and reaches the floor at the
    /// last step.
    /// </summary>
    public double At(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
            return PeakLearningRate * (step + 1) / WarmupSteps;
        var decaySteps = TotalSteps - WarmupSteps;
        if (decaySteps <= 1)
            return step == WarmupSteps && decaySteps == 1 ? PeakLearningRate : MinLearningRate;
        var progress = Math.Min(1.0, (double)(step - WarmupSteps) / (decaySteps - 1));
        return MinLearningRate + (PeakLearningRate - MinLearningRate) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
