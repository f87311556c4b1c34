namespace DynamicCot.Finetune.Training;

/// <summary>Which target a training item uses.</summary>
public enum TargetKind { Sft, Cot }

/// <summary>One unit of work in an epoch: an example and the target it is trained on.</summary>
public readonly record struct TrainingItem(int Example, TargetKind Target);

/// <summary>How many items took each branch in an epoch (recorded per epoch in metrics.jsonl).</summary>
public sealed record BranchCounts(int Cot, int Sft, int FallbackSft)
{
    public static BranchCounts Of(IEnumerable<(TargetKind Target, bool Fallback)> choices)
    {
        int cot = 0, sft = 0, fallback = 0;
        foreach (var (target, isFallback) in choices)
        {
            if (target == TargetKind.Cot) cot++;
            else if (isFallback) fallback++;
            else sft++;
        }
        return new BranchCounts(cot, sft, fallback);
    }
}

/// <summary>
/// The paper's per-sample choice. Dynamic CoT: when the sample's SFT loss L_sft is below γ the model already finds the
/// plain answer easy, so it is taught to reason (CoT target); otherwise it is taught the answer itself (SFT target).
/// <paramref name="invert"/> flips the comparison (an unconfirmed detail of the paper, kept as an option). Samples
/// without a rationale always fall back to SFT and are counted as such.
/// </summary>
public static class TargetSelector
{
    public static (TargetKind Target, bool Fallback) Choose(TrainingStrategy strategy, bool hasRationale, double sftLoss, double gamma, bool invert)
    {
        switch (strategy)
        {
            case TrainingStrategy.Sft:
                return (TargetKind.Sft, false);
            case TrainingStrategy.Cot:
                return hasRationale ? (TargetKind.Cot, false) : (TargetKind.Sft, true);
            case TrainingStrategy.Dynamic:
                var easy = invert ? sftLoss >= gamma : sftLoss < gamma;
                if (!easy)
                    return (TargetKind.Sft, false);
                return hasRationale ? (TargetKind.Cot, false) : (TargetKind.Sft, true);
            default:
                throw new ArgumentException($"{strategy} does not choose one target per sample.");
        }
    }
}
