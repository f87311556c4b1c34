using System.Globalization;
using ScottPlot;

namespace DynamicCot.Tools.Charts;

/// <summary>One series of a grouped bar chart: a value per category (NaN for "no value": no bar).</summary>
public sealed record BarSeries(string Name, IReadOnlyList<double> Values);

/// <summary>
/// Grouped bars: one group per category, one bar per series with its value printed on top, and a legend; used for
/// metrics per keyphrase category and per strategy.
/// </summary>
public static class GroupedBarChart
{
    public static Plot Create(string title, string yLabel, IReadOnlyList<string> categories, IReadOnlyList<BarSeries> series, string valueFormat = "0.#")
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(series);
        if (categories.Count == 0)
            throw new ArgumentException("A bar chart needs at least one category.");
        if (series.Count == 0)
            throw new ArgumentException("A bar chart needs at least one series.");
        foreach (var s in series)
        {
            if (s.Values.Count != categories.Count)
                throw new ArgumentException($"Series '{s.Name}' has {s.Values.Count} values for {categories.Count} categories.");
        }

        var plot = ChartStyle.NewPlot(title, "", yLabel);
        const double groupWidth = 0.8;
        var barWidth = groupWidth / series.Count;
        for (var s = 0; s < series.Count; s++)
        {
            var bars = new List<Bar>();
            for (var c = 0; c < categories.Count; c++)
            {
                var value = series[s].Values[c];
                if (!double.IsFinite(value))
                    continue;
                bars.Add(new Bar
                {
                    Position = c - groupWidth / 2 + barWidth * (s + 0.5),
                    Value = value,
                    Size = barWidth * 0.92,
                    FillColor = ChartStyle.Colour(s),
                    LineWidth = 0,
                    Label = value.ToString(valueFormat, CultureInfo.InvariantCulture),
                });
            }
            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = series[s].Name;
            plottable.ValueLabelStyle.FontSize = series.Count * categories.Count > 16 ? 10 : 12;
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, categories.Count).Select(i => (double)i)], [.. categories]);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 14;
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        var top = series.SelectMany(s => s.Values).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        plot.Axes.SetLimits(-0.6, categories.Count - 0.4, 0, Math.Max(top, 1e-9) * 1.18);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
