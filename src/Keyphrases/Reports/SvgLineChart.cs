namespace DynamicCot.Keyphrases.Reports;

/// <summary>One line: points in x order (non-finite points are skipped).</summary>
public sealed record LineSeries(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>
/// A line chart (e.g. training loss per step) as a standalone SVG 1.1 document: x and y axes with round ticks,
/// labels and grid lines, one polyline with point markers per series, and a legend.
/// </summary>
public sealed class SvgLineChart
{
    public required string Title { get; init; }

    public required IReadOnlyList<LineSeries> Series { get; init; }

    public string XLabel { get; init; } = "";

    public string YLabel { get; init; } = "";

    /// <summary>Fixed y range; null fits the data.</summary>
    public double? YMin { get; init; }

    public double? YMax { get; init; }

    public double Width { get; init; } = 760;

    public double Height { get; init; } = 420;

    /// <summary>Markers are drawn when a series has at most this many points (dense curves read better without).</summary>
    public int MaxMarkedPoints { get; init; } = 60;

    public string Render()
    {
        if (Series.Count == 0)
            throw new ArgumentException("A line chart needs at least one series.");
        if (Width < 200 || Height < 150)
            throw new ArgumentException($"A chart must be at least 200×150, got {Width}×{Height}.");
        var points = Series.Select(s => s.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList()).ToList();
        var all = points.SelectMany(p => p).ToList();
        if (all.Count == 0)
            throw new ArgumentException("A line chart needs at least one finite point.");

        const double left = 72, right = 20, top = 64, bottom = 56;
        var plotWidth = Width - left - right;
        var plotHeight = Height - top - bottom;
        var xTicks = ChartAxis.Ticks(all.Min(p => p.X), all.Max(p => p.X));
        var yTicks = ChartAxis.Ticks(YMin ?? all.Min(p => p.Y), YMax ?? all.Max(p => p.Y));
        double X(double x) => left + plotWidth * (x - xTicks[0]) / (xTicks[^1] - xTicks[0]);
        double Y(double y) => top + plotHeight * (1 - (y - yTicks[0]) / (yTicks[^1] - yTicks[0]));

        using var svg = new SvgCanvas(Width, Height, Title);
        svg.Text(Width / 2, 22, Title, 16, "middle", bold: true);
        ChartLegend.Draw(svg, Series.Select(s => s.Name).ToList(), left, 42, plotWidth);

        svg.StartGroup("axes");
        foreach (var tick in yTicks)
        {
            svg.Line(left, Y(tick), left + plotWidth, Y(tick), "#dddddd");
            svg.Text(left - 6, Y(tick) + 4, ChartAxis.Label(tick, yTicks), 11, "end");
        }
        foreach (var tick in xTicks)
        {
            svg.Line(X(tick), top + plotHeight, X(tick), top + plotHeight + 4, "#444444");
            svg.Text(X(tick), top + plotHeight + 17, ChartAxis.Label(tick, xTicks), 11, "middle");
        }
        svg.Line(left, top, left, top + plotHeight, "#444444");
        svg.Line(left, top + plotHeight, left + plotWidth, top + plotHeight, "#444444");
        if (XLabel.Length > 0)
            svg.Text(left + plotWidth / 2, Height - 12, XLabel, 12, "middle");
        if (YLabel.Length > 0)
            svg.Text(16, top + plotHeight / 2, YLabel, 12, "middle", rotate: -90);
        svg.EndGroup();

        for (var s = 0; s < Series.Count; s++)
        {
            svg.StartGroup("series");
            var colour = ChartPalette.Colour(s);
            if (points[s].Count > 1)
                svg.Polyline(points[s].Select(p => (X(p.X), Y(p.Y))), colour);
            if (points[s].Count <= MaxMarkedPoints)
            {
                foreach (var p in points[s])
                    svg.Circle(X(p.X), Y(p.Y), 3, colour, $"{Series[s].Name}: ({SvgCanvas.Number(p.X)}, {SvgCanvas.Number(p.Y)})");
            }
            svg.EndGroup();
        }
        return svg.Finish();
    }

    public void Save(string path) => ChartFile.Write(path, Render());
}
