using System.Xml.Linq;
using DynamicCot.Tools.Evaluation;
using DynamicCot.Keyphrases.Metrics;
using DynamicCot.Tools.Charts;

namespace DynamicCot.Tools.Tests.Evaluation;

public sealed class ChartAndReportTests
{
    [Fact]
    public void Bar_chart_saves_a_png_and_an_svg_with_a_labelled_bar_per_value_and_a_legend()
    {
        using var folder = DynamicCot.Tests.Shared.TestPaths.NewTempFolder();
        var plot = GroupedBarChart.Create("F1 <&> \"runs\"", "F1 (%)", ["all", "present", "absent"],
            [new BarSeries("SFT", [30.49, 40, 20.9]), new BarSeries("Dynamic CoT", [33.56, double.NaN, 22.32])], "0.00");

        var files = ChartFile.Save(plot, folder.File("bars.svg"));

        Assert.Equal(folder.File("bars.png"), files.Png);
        var texts = SvgTexts(files.Svg);
        Assert.Contains("F1 <&> \"runs\"", texts);
        Assert.Contains("F1 (%)", texts);
        Assert.Contains("present", texts);
        Assert.Contains("SFT", texts);
        Assert.Contains("Dynamic CoT", texts);
        Assert.Contains("33.56", texts);
        Assert.Contains("40.00", texts);
        // NaN draws no bar and no label: five bars, five value labels.
        Assert.Equal(5, texts.Count(t => t is "30.49" or "40.00" or "20.90" or "33.56" or "22.32"));
        var (width, height, colours) = PngSummary(files.Png);
        Assert.Equal((ChartFile.DefaultWidth, ChartFile.DefaultHeight), (width, height));
        Assert.Contains(0xFF0072B2u, colours); // the first series' bars
        Assert.Contains(0xFFE69F00u, colours); // the second series' bars
        Assert.Throws<ArgumentException>(() => GroupedBarChart.Create("x", "y", ["a"], [new BarSeries("s", [1, 2])]));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Loss_chart_draws_the_curve_the_epoch_means_and_the_dynamic_cot_branch_counts()
    {
        using var folder = DynamicCot.Tests.Shared.TestPaths.NewTempFolder();
        var steps = Enumerable.Range(1, 30).Select(i => new LossPoint(i, 3.0 / (1 + i * 0.2))).ToList();
        EpochBranches[] epochs = [new(1, 10, 31, 12, 7, 2.1), new(2, 20, 18, 25, 7, 1.2), new(3, 30, 9, 34, 7, 0.8)];

        var files = LossChart.Save(folder.File("loss"), "Training loss — run", steps, epochs);

        var texts = SvgTexts(files.Svg);
        Assert.Contains("Training loss — run", texts);
        Assert.Contains("optimizer step", texts);
        Assert.Contains("loss per step", texts);
        Assert.Contains("epoch mean", texts);
        Assert.Contains("CoT target", texts);
        Assert.Contains("SFT target (SFT loss < γ)", texts);
        Assert.Contains("SFT (no rationale)", texts);
        Assert.Contains("samples per epoch (bars)", texts);
        foreach (var count in new[] { "31", "12", "18", "25", "34" })
            Assert.Contains(count, texts);
        var (_, _, colours) = PngSummary(files.Png);
        Assert.Contains(0xFF0072B2u, colours); // the loss line
        Assert.Throws<ArgumentException>(() => LossChart.Create("x", [new LossPoint(1, double.NaN)], []));
    }

    [Fact]
    public void Overlap_histogram_counts_posts_per_ten_percent_bin()
    {
        Assert.Equal([2, 0, 0, 0, 1, 0, 0, 0, 0, 2], OverlapHistogram.Count([0, 0.05, 0.45, 0.95, 1.0]));
        Assert.Throws<ArgumentException>(() => OverlapHistogram.Count([1.5]));

        using var folder = DynamicCot.Tests.Shared.TestPaths.NewTempFolder();
        var files = ChartFile.Save(OverlapHistogram.Create("overlap", [0, 0.05, 0.45, 0.95, 1.0], 0.45), folder.File("overlap"));
        var texts = SvgTexts(files.Svg);
        Assert.Contains("5 test posts", texts);
        Assert.Contains("overall overlap 45.0 %", texts);
        Assert.Contains("test posts", texts);
    }

    /// <summary>The text of every SVG text element (ScottPlot writes each label as one).</summary>
    private static List<string> SvgTexts(string path) =>
        [.. XDocument.Load(path).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim())];

    /// <summary>A PNG's size and the set of its pixel colours (ARGB), decoded by Skia.</summary>
    private static (int Width, int Height, HashSet<uint> Colours) PngSummary(string path)
    {
        using var bitmap = SkiaSharp.SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path}: not a PNG");
        var colours = new HashSet<uint>();
        foreach (var pixel in bitmap.Pixels)
            colours.Add((uint)pixel);
        return (bitmap.Width, bitmap.Height, colours);
    }

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
