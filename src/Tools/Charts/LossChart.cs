using ScottPlot;

namespace DynamicCot.Tools.Charts;

/// <summary>One optimizer step's training loss.</summary>
public sealed record LossPoint(long Step, double Loss);

/// <summary>
/// One finished epoch: the Dynamic CoT branch counts (samples trained on the CoT target, on the plain SFT target
/// because their SFT loss was below γ, and on SFT because they had no rationale) and the epoch's mean loss.
/// </summary>
/// <param name="Step">Optimizer steps done when the epoch ended.</param>
public sealed record EpochBranches(int Epoch, long Step, int Cot, int Sft, int FallbackSft, double? MeanLoss);

/// <summary>
/// The training loss curve: loss per step and per-epoch mean (left axis), with each epoch's Dynamic CoT branch
/// counts as stacked bars under it (right axis), so the switch from CoT to SFT targets can be read against the loss.
/// </summary>
public static class LossChart
{
    public static Plot Create(string title, IReadOnlyList<LossPoint> steps, IReadOnlyList<EpochBranches> epochs)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(epochs);
        var finite = steps.Where(s => double.IsFinite(s.Loss)).ToList();
        if (finite.Count == 0)
            throw new ArgumentException("A loss chart needs at least one step with a finite loss.");

        var plot = ChartStyle.NewPlot(title, "optimizer step", "cross-entropy on answer tokens");
        var hasBranches = epochs.Any(e => e.Cot + e.Sft + e.FallbackSft > 0);
        if (hasBranches)
            AddBranchBars(plot, epochs);

        var line = plot.Add.Scatter(finite.Select(s => (double)s.Step).ToArray(), finite.Select(s => s.Loss).ToArray(), ChartStyle.Colour(0));
        line.LegendText = "loss per step";
        line.LineWidth = 2;
        line.MarkerSize = finite.Count <= 60 ? 5 : 0;

        var means = epochs.Where(e => e.MeanLoss is { } m && double.IsFinite(m)).ToList();
        if (means.Count > 0)
        {
            var mean = plot.Add.Scatter(means.Select(e => (double)e.Step).ToArray(), means.Select(e => e.MeanLoss!.Value).ToArray(), ChartStyle.Colour(3));
            mean.LegendText = "epoch mean";
            mean.LineWidth = 2;
            mean.LinePattern = LinePattern.Dashed;
            mean.MarkerSize = 9;
            mean.MarkerShape = MarkerShape.FilledDiamond;
        }
        plot.Axes.SetLimitsY(0, finite.Max(s => s.Loss) * 1.12, plot.Axes.Left);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    public static ChartFiles Save(string path, string title, IReadOnlyList<LossPoint> steps, IReadOnlyList<EpochBranches> epochs) =>
        ChartFile.Save(Create(title, steps, epochs), path);

    /// <summary>Each epoch's bar spans the steps it covered; the three branches stack from the bottom.</summary>
    private static void AddBranchBars(Plot plot, IReadOnlyList<EpochBranches> epochs)
    {
        var ordered = epochs.OrderBy(e => e.Step).ToList();
        var bars = new List<Bar>();
        var right = plot.Axes.Right;
        long previousEnd = 0;
        var colours = new[] { ChartStyle.Colour(2).WithAlpha(0.45), ChartStyle.Colour(1).WithAlpha(0.45), ChartStyle.Colour(4).WithAlpha(0.45) };
        foreach (var epoch in ordered)
        {
            var span = Math.Max(1, epoch.Step - previousEnd);
            var centre = previousEnd + span / 2.0;
            double bottom = 0;
            var counts = new[] { epoch.Cot, epoch.Sft, epoch.FallbackSft };
            for (var b = 0; b < counts.Length; b++)
            {
                if (counts[b] == 0)
                    continue;
                bars.Add(new Bar
                {
                    Position = centre, ValueBase = bottom, Value = bottom + counts[b], Size = span * 0.85, FillColor = colours[b],
                    LineWidth = 0, Label = counts[b].ToString(System.Globalization.CultureInfo.InvariantCulture), CenterLabel = true,
                });
                bottom += counts[b];
            }
            previousEnd = epoch.Step;
        }
        var plottable = plot.Add.Bars(bars);
        plottable.Axes.YAxis = right;
        plottable.ValueLabelStyle.FontSize = 12;
        right.Label.Text = "samples per epoch (bars)";
        right.Label.FontSize = 15;
        right.TickLabelStyle.FontSize = 13;
        var most = ordered.Max(e => e.Cot + e.Sft + e.FallbackSft);
        plot.Axes.SetLimitsY(0, most * 1.6, right);
        string[] names = ["CoT target", "SFT target (SFT loss < γ)", "SFT (no rationale)"];
        for (var b = 0; b < names.Length; b++)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = names[b], FillColor = colours[b] });
    }
}
