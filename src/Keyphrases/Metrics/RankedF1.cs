using DynamicCot.Keyphrases.Text;

namespace DynamicCot.Keyphrases.Metrics;

/// <summary>One post's F1 at the cut-offs the paper reports.</summary>
public readonly record struct PostF1(double At1, double At3, double At5, double AtM);

/// <summary>
/// F1 of a ranked prediction list against a gold set, as the keyphrase-generation literature computes it:
/// with n predictions and cut-off k, the top min(k, n) are compared; precision = matches / min(k, n) (0 when there
/// are no predictions), recall = matches / #gold, F1 = 2PR / (P + R) (0 when both are 0). F1@M uses k = n.
/// </summary>
public static class RankedF1
{
    /// <param name="gold">Distinct normalised gold keyphrases; must not be empty (recall would be undefined).</param>
    /// <param name="predictions">Distinct normalised predictions in rank order.</param>
    public static PostF1 Compute(IReadOnlyCollection<StemmedPhrase> gold, IReadOnlyList<StemmedPhrase> predictions)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predictions);
        if (gold.Count == 0)
            throw new ArgumentException("F1 needs at least one gold keyphrase.", nameof(gold));
        var goldSet = gold as IReadOnlySet<StemmedPhrase> ?? gold.ToHashSet();

        // matchesBefore[i] = how many of the first i predictions are gold.
        Span<int> matchesBefore = predictions.Count <= 256 ? stackalloc int[predictions.Count + 1] : new int[predictions.Count + 1];
        for (var i = 0; i < predictions.Count; i++)
            matchesBefore[i + 1] = matchesBefore[i] + (goldSet.Contains(predictions[i]) ? 1 : 0);

        return new PostF1(
            At(1, matchesBefore, gold.Count),
            At(3, matchesBefore, gold.Count),
            At(5, matchesBefore, gold.Count),
            At(predictions.Count, matchesBefore, gold.Count));
    }

    private static double At(int k, ReadOnlySpan<int> matchesBefore, int goldCount)
    {
        var cutoff = Math.Min(k, matchesBefore.Length - 1);
        if (cutoff == 0)
            return 0;
        var matches = matchesBefore[cutoff];
        var precision = (double)matches / cutoff;
        var recall = (double)matches / goldCount;
        return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }
}
