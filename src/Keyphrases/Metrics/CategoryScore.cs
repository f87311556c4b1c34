namespace DynamicCot.Keyphrases.Metrics;

/// <summary>
/// Macro-averaged F1 (fractions in [0, 1]) over the <see cref="Count"/> posts that have at least one gold keyphrase
/// in the category. A category with no such post has Count 0 and every F1 0 ("not measured", e.g. unseen without
/// a training set).
/// </summary>
public sealed record CategoryScore(double F1At1, double F1At3, double F1At5, double F1AtM, int Count)
{
    public static CategoryScore Empty { get; } = new(0, 0, 0, 0, 0);
}
