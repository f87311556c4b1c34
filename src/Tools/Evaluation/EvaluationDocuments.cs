using System.Text;
using DynamicCot.Keyphrases.Metrics;
using DynamicCot.Tools.Charts;
using Plot = ScottPlot.Plot;

namespace DynamicCot.Tools.Evaluation;

/// <summary>The human-readable forms of evaluation reports: Markdown tables and bar charts (PNG + SVG), for one run or several.</summary>
public static class EvaluationDocuments
{
    private static readonly KeyphraseCategory[] Categories = Enum.GetValues<KeyphraseCategory>();

    /// <summary>One run: the score table (all/present/absent/unseen × F1@1/3/5/M, posts) and the per-post cost table.</summary>
    public static string Markdown(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        md.Append("# Evaluation: ").Append(Escape(report.Name)).Append("\n\n");
        md.Append($"Model `{report.Model}`, data `{report.Data}`, thinking {report.Think}; {report.Posts} posts, ")
          .Append($"a rationale in {EvaluationReport.Format(report.ThoughtShare * 100, "0.#")}% of answers; wall time {EvaluationReport.Format(report.WallSeconds, "0.#")} s.\n\n");
        md.Append("| keyphrases | F1@1 | F1@3 | F1@5 | F1@M | posts |\n|---|---:|---:|---:|---:|---:|\n");
        foreach (var category in Categories)
        {
            var score = report.Scores[category];
            md.Append($"| {Name(category)} | ");
            if (score.Count == 0)
                md.Append(category == KeyphraseCategory.Unseen ? "— | — | — | — | 0 (needs --train) |\n" : "— | — | — | — | 0 |\n");
            else
                md.Append($"{Percent(score.F1At1)} | {Percent(score.F1At3)} | {Percent(score.F1At5)} | {Percent(score.F1AtM)} | {score.Count} |\n");
        }
        md.Append("\nF1 in percent, macro-averaged over the posts with at least one gold keyphrase of the kind (NLTK Porter stems).\n\n");
        md.Append("| per post | mean | p50 | p95 |\n|---|---:|---:|---:|\n");
        foreach (var (label, stats) in CostRows(report))
            md.Append($"| {label} | {EvaluationReport.Format(stats.Mean, "0.#")} | {EvaluationReport.Format(stats.P50, "0.#")} | {EvaluationReport.Format(stats.P95, "0.#")} |\n");
        md.Append("\nTotal ms runs from submitting a post to its answer, so it includes waiting behind the other posts decoded in the same batches.\n");
        if (report.Failed > 0)
        {
            md.Append($"\n**{report.Failed} post(s) failed** (scored as empty predictions; running the same command again retries them):\n\n");
            foreach (var failure in report.FailedPosts)
                md.Append("- ").Append(Escape(failure)).Append('\n');
            if (report.Failed > report.FailedPosts.Count)
                md.Append($"- … and {report.Failed - report.FailedPosts.Count} more (see outcomes.jsonl)\n");
        }
        return md.ToString();
    }

    /// <summary>One run's chart: F1@1/3/5/M (bars) per keyphrase category (groups).</summary>
    public static Plot Chart(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return GroupedBarChart.Create($"{report.Name}: F1 by keyphrase category ({report.Posts} posts)", "F1 (%)",
            [.. Categories.Select(Name)],
            [
                Series("F1@1", report, s => s.F1At1), Series("F1@3", report, s => s.F1At3),
                Series("F1@5", report, s => s.F1At5), Series("F1@M", report, s => s.F1AtM),
            ]);
    }

    /// <summary>Several runs (strategies) compared: F1@M per category (groups), one bar per run.</summary>
    public static Plot ComparisonChart(IReadOnlyList<EvaluationReport> reports)
    {
        RequireRuns(reports);
        return GroupedBarChart.Create("F1@M by keyphrase category and strategy", "F1@M (%)",
            [.. Categories.Select(Name)], [.. reports.Select(r => Series(r.Name, r, s => s.F1AtM))]);
    }

    /// <summary>
    /// Several runs in one table: F1@M per category, F1@5, and inference cost, with each run's mean generated tokens
    /// relative to the baseline run (the paper: Dynamic CoT generates 38.48% fewer tokens than Fine-tune-CoT).
    /// </summary>
    /// <param name="baseline">Index of the run the token use is relative to.</param>
    public static string ComparisonMarkdown(IReadOnlyList<EvaluationReport> reports, int baseline = 0)
    {
        RequireRuns(reports);
        ArgumentOutOfRangeException.ThrowIfNegative(baseline);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(baseline, reports.Count);
        var reference = reports[baseline];
        var md = new StringBuilder("# Evaluation comparison\n\n");
        md.Append("| run | posts | all F1@M | present F1@M | absent F1@M | unseen F1@M | all F1@5 | rationale | mean generated tokens | ")
          .Append($"tokens vs {Escape(reference.Name)} | mean total ms |\n");
        md.Append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in reports)
        {
            md.Append($"| {Escape(r.Name)} | {r.Posts} | {Cell(r.Scores.All)} | {Cell(r.Scores.Present)} | {Cell(r.Scores.Absent)} | {Cell(r.Scores.Unseen)} | ")
              .Append($"{(r.Scores.All.Count == 0 ? "—" : Percent(r.Scores.All.F1At5))} | {EvaluationReport.Format(r.ThoughtShare * 100, "0.#")}% | ")
              .Append($"{EvaluationReport.Format(r.GeneratedTokens.Mean, "0.0#")} | {RelativeTokens(r, reference)} | {EvaluationReport.Format(r.TotalMs.Mean, "0")} |\n");
        }
        md.Append($"\nF1 in percent. Token use relative to **{Escape(reference.Name)}**: mean generated tokens per post as a share of its mean, and the change.\n");
        var datasets = reports.Select(r => r.Data).Distinct(StringComparer.Ordinal).ToList();
        if (datasets.Count > 1)
            md.Append($"\n**Warning**: the runs were evaluated on different data ({string.Join(", ", datasets.Select(d => $"`{d}`"))}); their scores are not comparable.\n");
        return md.ToString();
    }

    private static string RelativeTokens(EvaluationReport run, EvaluationReport reference)
    {
        if (reference.GeneratedTokens.Mean <= 0)
            return "—";
        var share = run.GeneratedTokens.Mean / reference.GeneratedTokens.Mean;
        var change = (share - 1) * 100;
        var sign = change > 0 ? "+" : change < 0 ? "−" : "±";
        return $"{EvaluationReport.Format(share * 100, "0.00")}% ({sign}{EvaluationReport.Format(Math.Abs(change), "0.00")}%)";
    }

    private static IEnumerable<(string, DistributionStats)> CostRows(EvaluationReport r) =>
    [
        ("generated tokens", r.GeneratedTokens), ("prompt tokens", r.PromptTokens),
        ("prompt ms", r.PromptMs), ("generation ms", r.GenerationMs), ("total ms", r.TotalMs),
    ];

    private static BarSeries Series(string name, EvaluationReport report, Func<CategoryScore, double> pick) =>
        new(name, [.. Categories.Select(c => report.Scores[c].Count == 0 ? double.NaN : (double)ScoreReport.ToPercent(pick(report.Scores[c])))]);

    private static string Cell(CategoryScore score) => score.Count == 0 ? "—" : Percent(score.F1AtM);

    private static string Percent(double fraction) => ScoreReport.ToPercent(fraction).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);

    private static string Name(KeyphraseCategory category) => category.ToString().ToLowerInvariant();

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");

    private static void RequireRuns(IReadOnlyList<EvaluationReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        if (reports.Count == 0)
            throw new ArgumentException("A comparison needs at least one report.");
    }
}
