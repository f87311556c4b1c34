using System.Globalization;
using System.Text;
using System.Text.Json;
using DynamicCot.Keyphrases.Data;
using DynamicCot.Keyphrases.Metrics;
using DynamicCot.Keyphrases.Text;
using DynamicCot.Tools.Charts;
using DynamicCot.Tools.Evaluation;

namespace DynamicCot.Bench.Generalisation;

/// <summary>
/// Scores the baselines and the served models' evaluation runs on one held-out split with the project's metric code,
/// and writes results.md, results.json and the chart generalisation.png/.svg.
/// Usage: --train TRAIN.jsonl --test TEST.jsonl --out DIR [--run "Label=EVAL_DIR"]... [--neighbours 10] [--count 3]
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string? train = null, test = null, outDir = null;
        var runs = new List<(string Label, string Dir)>();
        int neighbours = 10, count = 3;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--train": train = value; break;
                case "--test": test = value; break;
                case "--out": outDir = value; break;
                case "--neighbours": neighbours = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--count": count = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--run":
                    var eq = value.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0) throw new ArgumentException($"--run wants Label=EVAL_DIR, got '{value}'");
                    runs.Add((value[..eq], value[(eq + 1)..]));
                    break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
            i++;
        }
        if (train is null || test is null || outDir is null)
        {
            Console.Error.WriteLine("usage: --train TRAIN.jsonl --test TEST.jsonl --out DIR [--run Label=EVAL_DIR]...");
            return 2;
        }

        var trainPosts = DatasetReader.ReadAll(train);
        var testPosts = DatasetReader.ReadAll(test);
        var normalizer = new KeyphraseNormalizer();
        var seen = new KeyphraseVocabulary(normalizer);
        foreach (var post in trainPosts)
            seen.AddRange(post.Keyphrases);
        Directory.CreateDirectory(outDir);

        var rows = new List<Row>();
        var baselines = new Baselines(trainPosts, normalizer);
        var frequent = baselines.MostFrequent(count);
        rows.Add(Score("most frequent", testPosts, testPosts.Select(p => new KeyphrasePrediction(p.Id, frequent)), normalizer, seen, null, outDir));
        rows.Add(Score($"TF-IDF {neighbours}-NN", testPosts,
            testPosts.Select(p => new KeyphrasePrediction(p.Id, baselines.NearestNeighbours(p.Text, neighbours, count))), normalizer, seen, null, outDir));
        foreach (var (label, dir) in runs)
        {
            var predictions = PredictionFile.ReadById(Path.Combine(dir, "predictions.jsonl"));
            var report = EvaluationReport.Read(Path.Combine(dir, "report.json"));
            rows.Add(Score(label, testPosts, predictions.Values, normalizer, seen, report, null));
        }

        WriteTable(Path.Combine(outDir, "results.md"), rows, trainPosts.Count, testPosts.Count, count, neighbours);
        File.WriteAllText(Path.Combine(outDir, "results.json"), JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
        var chart = GroupedBarChart.Create($"Held-out posts ({testPosts.Count}): F1 (%)", "F1 (%)", ["F1@1", "F1@3", "F1@M", "unseen F1@M"],
            [.. rows.Select(r => new BarSeries(r.Method, [r.F1At1, r.F1At3, r.F1AtM, r.UnseenF1AtM]))]);
        var files = ChartFile.Save(chart, Path.Combine(outDir, "generalisation"));
        Console.WriteLine(File.ReadAllText(Path.Combine(outDir, "results.md")));
        Console.WriteLine($"chart: {files.Png}, {files.Svg}");
        return 0;
    }

    /// <summary>One method's scores (percent) on the held-out posts and, for a served model, its token use.</summary>
    public sealed record Row(string Method, double F1At1, double F1At3, double F1AtM, double UnseenF1AtM,
        double? GeneratedTokensMean, double? ThoughtShare, int Missing);

    private static Row Score(string method, IReadOnlyList<KeyphrasePost> gold, IEnumerable<KeyphrasePrediction> predictions,
        KeyphraseNormalizer normalizer, KeyphraseVocabulary seen, EvaluationReport? report, string? writeTo)
    {
        var byId = predictions.ToDictionary(p => p.Id, StringComparer.Ordinal);
        if (writeTo is not null)
            PredictionFile.Write(Path.Combine(writeTo, Slug(method) + ".predictions.jsonl"), gold.Select(p => byId[p.Id]));
        var evaluator = new KeyphraseEvaluator(normalizer, seen);
        var missing = 0;
        foreach (var post in gold)
        {
            if (!byId.TryGetValue(post.Id, out var predicted))
                missing++;
            evaluator.Add(post.Text, post.Keyphrases, predicted?.Keyphrases ?? []);
        }
        var scores = evaluator.Report();
        return new Row(method, 100 * scores.All.F1At1, 100 * scores.All.F1At3, 100 * scores.All.F1AtM, 100 * scores.Unseen.F1AtM,
            report?.GeneratedTokens.Mean, report?.ThoughtShare, missing);
    }

    private static void WriteTable(string path, IReadOnlyList<Row> rows, int trainCount, int testCount, int count, int neighbours)
    {
        var reference = rows.FirstOrDefault(r => r.Method.Contains("Fine-tune-CoT", StringComparison.Ordinal))?.GeneratedTokensMean;
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"Train {trainCount} posts, held-out test {testCount} posts; baselines answer {count} keyphrases per post (TF-IDF: {neighbours} neighbours).\n\n");
        md.Append("| method | F1@1 | F1@3 | F1@M | unseen F1@M | posts with a rationale | mean generated tokens per post | tokens vs Fine-tune-CoT |\n");
        md.Append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in rows)
        {
            var tokens = r.GeneratedTokensMean is { } t ? t.ToString("0.0", CultureInfo.InvariantCulture) : "–";
            var relative = r.GeneratedTokensMean is { } g && reference is > 0
                ? $"{(g / reference.Value - 1) * 100:+0.0;-0.0;0.0} %" : "–";
            var thought = r.ThoughtShare is { } s ? $"{100 * s:0.0} %" : "–";
            md.Append(CultureInfo.InvariantCulture,
                $"| {r.Method} | {r.F1At1:0.00} | {r.F1At3:0.00} | {r.F1AtM:0.00} | {r.UnseenF1AtM:0.00} | {thought} | {tokens} | {relative} |\n");
        }
        if (rows.Any(r => r.Missing > 0))
            md.Append("\nPosts without a prediction (scored as empty): ").Append(string.Join(", ", rows.Where(r => r.Missing > 0).Select(r => $"{r.Method} {r.Missing}"))).Append('\n');
        File.WriteAllText(path, md.ToString());
    }

    private static string Slug(string method) =>
        new([.. method.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-')]);
}
