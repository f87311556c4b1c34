namespace DynamicCot.Keyphrases.Reports;

/// <summary>One series of a bar chart: a value per category (NaN for "no value": no bar).</summary>
public sealed record BarSeries(string Name, IReadOnlyList<double> Values);

/// <summary>
/// A grouped bar chart as a standalone SVG 1.1 document: one group per category, one bar per series, value labels on
/// the bars, a y axis with round ticks and grid lines, and a legend. Deterministic output (same input, same bytes).
/// </summary>
public sealed class SvgBarChart
{
    public required string Title { get; init; }

    public required IReadOnlyList<string> Categories { get; init; }

    public required IReadOnlyList<BarSeries> Series { get; init; }

    public string YLabel { get; init; } = "";

    /// <summary>Fixed top of the y axis (e.g. 100 for percentages); null fits the data.</summary>
    public double? YMax { get; init; }

    public double Width { get; init; } = 760;

    public double Height { get; init; } = 420;

    /// <summary>Format of the value printed above each bar; null prints none.</summary>
    public string? ValueFormat { get; init; } = "0.##";

    public string Render()
    {
        Validate();
        const double left = 64, right = 16, top = 64, bottom = 48;
        var plotWidth = Width - left - right;
        var plotHeight = Height - top - bottom;
        var finite = Series.SelectMany(s => s.Values).Where(double.IsFinite).ToList();
        var dataMax = finite.Count == 0 ? 1 : Math.Max(finite.Max(), 0);
        var dataMin = finite.Count == 0 ? 0 : Math.Min(finite.Min(), 0);
        var ticks = ChartAxis.Ticks(dataMin, Math.Max(YMax ?? dataMax, dataMax));
        double yMin = ticks[0], yMax = ticks[^1];
        double Y(double value) => top + plotHeight * (1 - (value - yMin) / (yMax - yMin));

        using var svg = new SvgCanvas(Width, Height, Title);
        svg.Text(Width / 2, 22, Title, 16, "middle", bold: true);
        ChartLegend.Draw(svg, Series.Select(s => s.Name).ToList(), left, 42, Width - left - right);

        svg.StartGroup("axes");
        foreach (var tick in ticks)
        {
            svg.Line(left, Y(tick), left + plotWidth, Y(tick), "#dddddd");
            svg.Text(left - 6, Y(tick) + 4, ChartAxis.Label(tick, ticks), 11, "end");
        }
        svg.Line(left, top, left, top + plotHeight, "#444444");
        svg.Line(left, Y(Math.Max(yMin, 0)), left + plotWidth, Y(Math.Max(yMin, 0)), "#444444");
        if (YLabel.Length > 0)
            svg.Text(16, top + plotHeight / 2, YLabel, 12, "middle", rotate: -90);
        svg.EndGroup();

        var groupWidth = plotWidth / Categories.Count;
        var barWidth = groupWidth * 0.8 / Series.Count;
        svg.StartGroup("bars");
        for (var c = 0; c < Categories.Count; c++)
        {
            var groupLeft = left + c * groupWidth + groupWidth * 0.1;
            for (var s = 0; s < Series.Count; s++)
            {
                var value = Series[s].Values[c];
                if (!double.IsFinite(value))
                    continue;
                var x = groupLeft + s * barWidth;
                var (y0, y1) = (Y(Math.Max(value, 0)), Y(Math.Min(value, 0)));
                var label = ValueFormat is null ? null : value.ToString(ValueFormat, System.Globalization.CultureInfo.InvariantCulture);
                svg.Rect(x + 1, y0, barWidth - 2, y1 - y0, ChartPalette.Colour(s), $"{Series[s].Name} · {Categories[c]}: {label ?? SvgCanvas.Number(value)}");
                if (label is not null)
                    svg.Text(x + barWidth / 2, y0 - 3, label, Math.Clamp(barWidth / 3, 7, 11), "middle", "#333333");
            }
            svg.Text(left + (c + 0.5) * groupWidth, top + plotHeight + 18, Categories[c], 12, "middle");
        }
        svg.EndGroup();
        return svg.Finish();
    }

    public void Save(string path) => ChartFile.Write(path, Render());

    private void Validate()
    {
        if (Categories.Count == 0)
            throw new ArgumentException("A bar chart needs at least one category.");
        if (Series.Count == 0)
            throw new ArgumentException("A bar chart needs at least one series.");
        foreach (var series in Series)
        {
            if (series.Values.Count != Categories.Count)
                throw new ArgumentException($"Series '{series.Name}' has {series.Values.Count} values for {Categories.Count} categories.");
        }
        if (Width < 200 || Height < 150)
            throw new ArgumentException($"A chart must be at least 200×150, got {Width}×{Height}.");
    }
}
