namespace DynamicCot.Tools.Evaluation;

/// <summary>Mean, median and 95th percentile of a per-post quantity (tokens, milliseconds).</summary>
public sealed record DistributionStats(double Mean, double P50, double P95)
{
    public static DistributionStats Empty { get; } = new(0, 0, 0);

    /// <summary>Percentiles interpolate linearly between the closest ranks (NumPy's default), so small runs do not jump.</summary>
    public static DistributionStats Of(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        return sorted.Length == 0 ? Empty : new DistributionStats(sorted.Average(), Percentile(sorted, 0.50), Percentile(sorted, 0.95));
    }

    public static double Percentile(IReadOnlyList<double> sorted, double quantile)
    {
        if (sorted.Count == 0)
            return 0;
        var rank = quantile * (sorted.Count - 1);
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (rank - below);
    }
}
