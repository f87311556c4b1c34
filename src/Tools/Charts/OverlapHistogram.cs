using ScottPlot;

namespace DynamicCot.Tools.Charts;

/// <summary>
/// How the train/test keyphrase overlap is spread over the test posts: how many posts have 0–10 %, 10–20 %, … of their
/// gold keyphrases among the training targets. A split at a target overlap can reach its mean with every post at the
/// mean or with a mix of fully seen and fully unseen posts; the histogram tells which.
/// </summary>
public static class OverlapHistogram
{
    public const int Bins = 10;

    /// <param name="seenShares">Per test post, the share (0..1) of its gold keyphrases that are training targets.</param>
    /// <param name="meanOverlap">The split's overall overlap, drawn as a line; null leaves it out.</param>
    public static Plot Create(string title, IReadOnlyList<double> seenShares, double? meanOverlap = null)
    {
        ArgumentNullException.ThrowIfNull(seenShares);
        var counts = Count(seenShares);
        var plot = ChartStyle.NewPlot(title, "share of the post's gold keyphrases seen in training (%)", "test posts");
        var bars = counts.Select((count, bin) => new Bar
        {
            Position = bin * 100.0 / Bins + 50.0 / Bins,
            Value = count,
            Size = 100.0 / Bins * 0.92,
            FillColor = ChartStyle.Colour(0),
            LineWidth = 0,
            Label = count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).ToList();
        var plottable = plot.Add.Bars(bars);
        plottable.LegendText = $"{seenShares.Count} test posts";
        if (meanOverlap is { } mean && double.IsFinite(mean))
        {
            var line = plot.Add.VerticalLine(mean * 100, 2, ChartStyle.Colour(3), LinePattern.Dashed);
            line.LegendText = $"overall overlap {mean * 100:0.0} %";
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, Bins + 1).Select(i => i * 100.0 / Bins)], [.. Enumerable.Range(0, Bins + 1).Select(i => (i * 100 / Bins).ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        plot.Axes.SetLimits(0, 100, 0, Math.Max(1, counts.Max()) * 1.15);
        plot.ShowLegend(Alignment.UpperCenter);
        return plot;
    }

    /// <summary>Posts per 10 % bin; a post with every keyphrase seen (100 %) counts in the last bin.</summary>
    public static int[] Count(IEnumerable<double> seenShares)
    {
        var counts = new int[Bins];
        foreach (var share in seenShares)
        {
            if (!double.IsFinite(share) || share < 0 || share > 1)
                throw new ArgumentException($"A seen share must be within 0..1, got {share}.");
            counts[Math.Min(Bins - 1, (int)(share * Bins))]++;
        }
        return counts;
    }
}
