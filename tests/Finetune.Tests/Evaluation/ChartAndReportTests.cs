using System.Xml.Linq;
using DynamicCot.Keyphrases.Evaluation;
using DynamicCot.Keyphrases.Metrics;
using DynamicCot.Keyphrases.Reports;

namespace DynamicCot.Finetune.Tests.Evaluation;

public sealed class ChartAndReportTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Bar_chart_is_svg_1_1_with_a_bar_per_value_ticks_and_a_legend()
    {
        var chart = new SvgBarChart
        {
            Title = "F1 <&> \"runs\"",
            YLabel = "F1 (%)",
            Categories = ["all", "present", "absent"],
            Series = [new BarSeries("SFT", [30.49, 40, 20.9]), new BarSeries("Dynamic CoT", [33.56, double.NaN, 22.32])],
        };
        var svg = XDocument.Parse(chart.Render()).Root!;

        Assert.Equal(Svg + "svg", svg.Name);
        Assert.Equal("1.1", (string?)svg.Attribute("version"));
        Assert.Equal("F1 <&> \"runs\"", svg.Element(Svg + "title")!.Value);
        var bars = svg.Elements(Svg + "g").Single(g => (string?)g.Attribute("class") == "bars");
        Assert.Equal(5, bars.Elements(Svg + "rect").Count()); // NaN draws no bar
        Assert.Contains(bars.Elements(Svg + "text"), t => t.Value == "33.56");
        var axisLabels = svg.Elements(Svg + "g").Single(g => (string?)g.Attribute("class") == "axes").Elements(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("0", axisLabels);
        Assert.Contains("40", axisLabels);
        Assert.Contains("F1 (%)", axisLabels);
        var legend = svg.Elements(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend");
        Assert.Equal(["SFT", "Dynamic CoT"], legend.Elements(Svg + "text").Select(t => t.Value));
        Assert.Throws<ArgumentException>(() => new SvgBarChart { Title = "x", Categories = ["a"], Series = [new BarSeries("s", [1, 2])] }.Render());
    }

    [Fact]
    public void Line_chart_has_axes_with_labels_one_polyline_per_series_and_a_legend()
    {
        var chart = new SvgLineChart
        {
            Title = "Training loss",
            XLabel = "step",
            YLabel = "loss",
            Series =
            [
                new LineSeries("train", [.. Enumerable.Range(0, 20).Select(i => ((double)i * 10, 3.0 / (1 + i)))]),
                new LineSeries("valid", [(0, 2.9), (100, 1.2), (190, double.NaN)]),
            ],
        };
        var svg = XDocument.Parse(chart.Render()).Root!;

        Assert.Equal("1.1", (string?)svg.Attribute("version"));
        var series = svg.Elements(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").ToList();
        Assert.Equal(2, series.Count);
        Assert.All(series, s => Assert.Single(s.Elements(Svg + "polyline")));
        Assert.Equal(2, series[1].Elements(Svg + "circle").Count()); // the NaN point is skipped
        var axisText = svg.Elements(Svg + "g").Single(g => (string?)g.Attribute("class") == "axes").Elements(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("step", axisText);
        Assert.Contains("loss", axisText);
        Assert.Contains("200", axisText); // x ticks round up to a nice 200
        Assert.Contains("0", axisText);
    }

    [Theory]
    [InlineData(0, 3.1, new[] { 0d, 1, 2, 3, 4 })]
    [InlineData(0, 100, new[] { 0d, 20, 40, 60, 80, 100 })]
    [InlineData(5, 5, new[] { 4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6 })]
    [InlineData(0, 0.37, new[] { 0d, 0.1, 0.2, 0.3, 0.4 })]
    public void Axis_ticks_are_round_and_cover_the_range(double min, double max, double[] expected) =>
        Assert.Equal(expected, ChartAxis.Ticks(min, max));

    [Fact]
    public void Percentiles_interpolate_between_ranks()
    {
        // sorted 10, 20, 30, 40: p50 at rank 1.5 → 25; p95 at rank 2.85 → 30 + 0.85 × 10 = 38.5
        var stats = DistributionStats.Of([40, 10, 30, 20]);
        Assert.Equal(new DistributionStats(25, 25, 38.5), stats);
        Assert.Equal(DistributionStats.Empty, DistributionStats.Of([]));
    }

    [Fact]
    public void Comparison_shows_token_use_relative_to_the_baseline_and_reports_round_trip()
    {
        static EvaluationReport Run(string name, double f1, double tokens) => new(name, "m.gguf", "test.jsonl", "auto", 100, 0.5, 12,
            new ScoreReport(new CategoryScore(f1, f1, f1, f1, 100), new CategoryScore(f1, f1, f1, f1, 60), new CategoryScore(f1, f1, f1, f1, 70), CategoryScore.Empty),
            new DistributionStats(tokens, tokens, tokens), new DistributionStats(300, 300, 310), new DistributionStats(50, 50, 60),
            new DistributionStats(400, 390, 800), new DistributionStats(460, 450, 900));
        var reports = new[] { Run("Fine-tune-CoT", 0.3353, 100), Run("Dynamic CoT", 0.3356, 61.52) };

        var table = EvaluationDocuments.ComparisonMarkdown(reports);

        Assert.Contains("| Fine-tune-CoT | 100 | 33.53 | 33.53 | 33.53 | — | 33.53 | 50% | 100.0 | 100.00% (±0.00%) | 460 |", table);
        Assert.Contains("| Dynamic CoT | 100 | 33.56 | 33.56 | 33.56 | — | 33.56 | 50% | 61.52 | 61.52% (−38.48%) | 460 |", table);

        using var folder = DynamicCot.Tests.Shared.TestPaths.NewTempFolder();
        var path = folder.File("report.json");
        File.WriteAllText(path, reports[1].ToJson());
        var back = EvaluationReport.Read(path);
        Assert.Equal(reports[1].Name, back.Name);
        Assert.Equal(0.3356, back.Scores.All.F1AtM, 10);
        Assert.Equal(61.52, back.GeneratedTokens.Mean);
        File.WriteAllText(path, "{}");
        Assert.Contains("report.json: not an evaluation report", Assert.Throws<InvalidDataException>(() => EvaluationReport.Read(path)).Message);
    }
}
