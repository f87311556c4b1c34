using System.CommandLine;
using DynamicCot.Cli;
using DynamicCot.Keyphrases.Data;
using DynamicCot.Keyphrases.Metrics;
using DynamicCot.Keyphrases.Text;
using Spectre.Console;

namespace DynamicCot.Finetune.Commands;

/// <summary>
/// <c>score</c>: the paper's F1@1/3/5/M for all, present, absent and unseen keyphrases of a prediction file
/// against a gold dataset (see <see cref="KeyphraseEvaluator"/> for the exact protocol).
/// </summary>
public static class ScoreCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Required = true, Description = "Gold dataset (JSONL: id, text, keyphrases, ...)." };
        var predictions = new Option<string>("--predictions") { Required = true, Description = "Predictions (JSONL: {\"id\": ..., \"keyphrases\": [...]}, ranked)." };
        var train = new Option<string?>("--train") { Description = "Training dataset; needed for the unseen-keyphrase scores." };
        var json = new Option<bool>("--json") { Description = "Print exactly one JSON object instead of a table." };

        var command = new Command("score", "Score keyphrase predictions: F1@1, F1@3, F1@5, F1@M for all / present / absent / unseen.");
        command.Options.Add(data);
        command.Options.Add(predictions);
        command.Options.Add(train);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            var result = Score(parse.GetValue(data)!, parse.GetValue(predictions)!, parse.GetValue(train));
            if (result.MissingPredictions > 0)
            {
                Console.Error.WriteLine(
                    $"warning: {result.MissingPredictions} of {result.Posts} posts have no prediction line and were scored as empty (first: {result.FirstMissingId})");
            }
            if (parse.GetValue(json))
                Console.Out.WriteLine(result.Report.ToJson());
            else
                ConsoleOutput.Stdout().Write(ToTable(result.Report, result.Posts));
            return CliApplication.ExitOk;
        });
        return command;
    }

    /// <summary>The outcome of scoring a prediction file.</summary>
    public sealed record ScoreResult(ScoreReport Report, int Posts, int MissingPredictions, string? FirstMissingId);

    /// <summary>Scores a prediction file; a prediction for an id the gold data lacks is an input error.</summary>
    public static ScoreResult Score(string goldPath, string predictionsPath, string? trainPath)
    {
        var normalizer = new KeyphraseNormalizer();
        KeyphraseVocabulary? vocabulary = null;
        if (trainPath is not null)
        {
            vocabulary = new KeyphraseVocabulary(normalizer);
            foreach (var post in DatasetReader.Read(trainPath))
                vocabulary.AddRange(post.Keyphrases);
        }

        var predicted = PredictionFile.ReadById(predictionsPath);
        var evaluator = new KeyphraseEvaluator(normalizer, vocabulary);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var missing = 0;
        string? firstMissing = null;
        foreach (var post in DatasetReader.Read(goldPath))
        {
            IReadOnlyList<string> ranked = [];
            if (predicted.TryGetValue(post.Id, out var prediction))
            {
                ranked = prediction.Keyphrases;
                used.Add(post.Id);
            }
            else
            {
                missing++;
                firstMissing ??= post.Id;
            }
            evaluator.Add(post.Text, post.Keyphrases, ranked);
        }

        var stray = predicted.Keys.FirstOrDefault(id => !used.Contains(id));
        if (stray is not null)
        {
            throw new CliInputException(
                $"{predictionsPath}: prediction for id \"{stray}\", which is not in {goldPath} ({predicted.Count - used.Count} such ids); wrong gold file?");
        }
        return new ScoreResult(evaluator.Report(), evaluator.PostCount, missing, firstMissing);
    }

    private static Table ToTable(ScoreReport report, int posts)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"keyphrase F1 (%), {posts} posts")
            .AddColumn("keyphrases")
            .AddColumn(new TableColumn("F1@1").RightAligned())
            .AddColumn(new TableColumn("F1@3").RightAligned())
            .AddColumn(new TableColumn("F1@5").RightAligned())
            .AddColumn(new TableColumn("F1@M").RightAligned())
            .AddColumn(new TableColumn("posts").RightAligned());
        foreach (var category in Enum.GetValues<KeyphraseCategory>())
        {
            var score = report[category];
            table.AddRow(category.ToString().ToLowerInvariant(), Percent(score.F1At1), Percent(score.F1At3),
                Percent(score.F1At5), Percent(score.F1AtM), score.Count == 0 && category == KeyphraseCategory.Unseen ? "– (needs --train)" : score.Count.ToString());
        }
        return table;
    }

    private static string Percent(double fraction) => ScoreReport.ToPercent(fraction).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
}
