using System.Diagnostics;
using System.Text.Json;
using DynamicCot.Inference.Images;
using DynamicCot.Keyphrases.Data;
using DynamicCot.Keyphrases.Metrics;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Keyphrases.Text;
using DynamicCot.Tools.Charts;

namespace DynamicCot.Tools.Evaluation;

/// <summary>How to run an evaluation.</summary>
public sealed record EvaluationRunOptions
{
    /// <summary>The test set (dataset JSONL with gold keyphrases).</summary>
    public required string DataPath { get; init; }

    /// <summary>Where predictions, the journal and the reports go.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>A training set, to score unseen keyphrases; null leaves "unseen" unmeasured.</summary>
    public string? TrainPath { get; init; }

    /// <summary>The run's label in reports and comparisons.</summary>
    public required string Name { get; init; }

    /// <summary>The model's file name for the report (no folders).</summary>
    public required string ModelLabel { get; init; }

    /// <summary>How thinking was set, for the report: auto, off or the cap.</summary>
    public required string ThinkLabel { get; init; }

    public SuggestionOptions Suggestion { get; init; } = new();

    /// <summary>Posts in flight at once; the engine decodes them together in batches.</summary>
    public int Concurrency { get; init; } = 4;
}

/// <summary>Where an evaluation stands.</summary>
public sealed record EvaluationProgress(int Done, int Total);

/// <summary>The files an evaluation writes into its folder.</summary>
public static class EvaluationFiles
{
    public const string Predictions = "predictions.jsonl";
    public const string Outcomes = "outcomes.jsonl";
    public const string Settings = "settings.json";
    public const string ReportJson = "report.json";
    public const string ReportMarkdown = "report.md";
    /// <summary>The chart, as <c>report.png</c> and <c>report.svg</c>.</summary>
    public const string ReportChart = "report.svg";
    public const string ReportChartPng = "report.png";
}

/// <summary>
/// Runs a keyphrase model over a test set (bounded concurrency, so the engine can batch) and writes
/// <c>predictions.jsonl</c> (ranked, in dataset order), <c>report.json</c>, <c>report.md</c> and the chart
/// (<c>report.png</c>, <c>report.svg</c>), each written atomically. Each post's outcome is journalled as it arrives
/// (<c>outcomes.jsonl</c>): running the same command again after an interruption only evaluates the posts that are
/// missing. A post the model cannot take (an undecodable image, nothing left of its text) is recorded as failed with
/// its reason and scored as an empty prediction; the run goes on, and the next run retries it.
/// </summary>
public static class EvaluationRun
{
    public static async Task<EvaluationReport> RunAsync(
        IKeyphraseSuggester suggester, EvaluationRunOptions options, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(suggester);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Concurrency is < 1 or > 256)
            throw new ArgumentException($"The concurrency must be 1–256, got {options.Concurrency}.");
        var posts = DatasetReader.ReadAll(options.DataPath, requireImagesExist: true);
        if (posts.Count == 0)
            throw new DatasetFormatException(options.DataPath, 0, "the dataset has no posts");
        var vocabulary = options.TrainPath is null ? null : TrainingVocabulary(options.TrainPath);
        Directory.CreateDirectory(options.OutputFolder);
        CheckSettings(options);

        var journalPath = Path.Combine(options.OutputFolder, EvaluationFiles.Outcomes);
        var outcomes = AppendOnlyJournal.ReadExisting(journalPath, PostOutcome.Read, o => o.Id);
        // Failed posts are tried again: the image may have been fixed since.
        var toRun = posts.Where(p => !(outcomes.TryGetValue(p.Id, out var o) && o.Error is null)).ToList();
        var done = posts.Count - toRun.Count;
        var gate = new Lock();
        progress?.Report(new EvaluationProgress(done, posts.Count));
        var wall = Stopwatch.StartNew();
        using (var journal = AppendOnlyJournal.Open(journalPath))
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(toRun, parallel, async (post, token) =>
            {
                var outcome = await SuggestAsync(suggester, options, post, token).ConfigureAwait(false);
                journal.Append(outcome.WriteTo);
                lock (gate)
                {
                    outcomes[post.Id] = outcome;
                    progress?.Report(new EvaluationProgress(++done, posts.Count));
                }
            }).ConfigureAwait(false);
        }
        wall.Stop();

        var ordered = posts.Select(p => outcomes[p.Id]).ToList();
        PredictionFile.Write(Path.Combine(options.OutputFolder, EvaluationFiles.Predictions), ordered.Select(o => new KeyphrasePrediction(o.Id, o.Keyphrases)));
        var report = Report(options, posts, ordered, vocabulary, wall.Elapsed.TotalSeconds);
        AtomicFile.WriteAllText(Path.Combine(options.OutputFolder, EvaluationFiles.ReportJson), report.ToJson() + "\n");
        AtomicFile.WriteAllText(Path.Combine(options.OutputFolder, EvaluationFiles.ReportMarkdown), EvaluationDocuments.Markdown(report));
        ChartFile.Save(EvaluationDocuments.Chart(report), Path.Combine(options.OutputFolder, EvaluationFiles.ReportChart));
        return report;
    }

    private static async Task<PostOutcome> SuggestAsync(IKeyphraseSuggester suggester, EvaluationRunOptions options, KeyphrasePost post, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        SuggestionResult result;
        try
        {
            var imagePath = DatasetReader.ImagePath(options.DataPath, post);
            var image = imagePath is null ? null : await ImageInput.FromFileAsync(imagePath, cancellationToken).ConfigureAwait(false);
            result = await suggester.SuggestAsync(post.Text, image, options.Suggestion, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && IsInputProblem(e))
        {
            // One bad post must not cost the whole run: it is scored as an empty prediction and listed in the report.
            return PostOutcome.Failed(post.Id, e.Message, clock.Elapsed.TotalMilliseconds);
        }
        return new PostOutcome(post.Id, [.. result.Keyphrases.Select(k => k.Text)], !string.IsNullOrWhiteSpace(result.Rationale),
            result.PromptTokens, result.GeneratedTokens, result.PromptTime.TotalMilliseconds, result.GenerationTime.TotalMilliseconds,
            clock.Elapsed.TotalMilliseconds);
    }

    /// <summary>Problems with one post's content (undecodable image, empty text), as opposed to engine failures.</summary>
    private static bool IsInputProblem(Exception e) => e is ImageDecodeException or SuggestionInputException or IOException;

    private static KeyphraseVocabulary TrainingVocabulary(string trainPath)
    {
        var vocabulary = new KeyphraseVocabulary(new KeyphraseNormalizer());
        foreach (var post in DatasetReader.Read(trainPath))
            vocabulary.AddRange(post.Keyphrases);
        return vocabulary;
    }

    private static EvaluationReport Report(EvaluationRunOptions options, List<KeyphrasePost> posts, List<PostOutcome> outcomes, KeyphraseVocabulary? vocabulary, double wallSeconds)
    {
        var evaluator = new KeyphraseEvaluator(new KeyphraseNormalizer(), vocabulary);
        for (var i = 0; i < posts.Count; i++)
            evaluator.Add(posts[i].Text, posts[i].Keyphrases, outcomes[i].Keyphrases);
        // Costs are those of the answered posts; a failed post cost nothing to measure.
        var answered = outcomes.Where(o => o.Error is null).ToList();
        var failed = outcomes.Where(o => o.Error is not null).ToList();
        return new EvaluationReport(
            options.Name, options.ModelLabel, Path.GetFileName(options.DataPath), options.ThinkLabel, posts.Count,
            outcomes.Count(o => o.Thought) / (double)outcomes.Count, wallSeconds, evaluator.Report(),
            DistributionStats.Of(answered.Select(o => (double)o.GeneratedTokens)),
            DistributionStats.Of(answered.Select(o => (double)o.PromptTokens)),
            DistributionStats.Of(answered.Select(o => o.PromptMs)),
            DistributionStats.Of(answered.Select(o => o.GenerationMs)),
            DistributionStats.Of(answered.Select(o => o.TotalMs)))
        {
            Failed = failed.Count,
            FailedPosts = [.. failed.Take(EvaluationReport.MaxListedFailures).Select(o => $"{o.Id}: {o.Error}")],
        };
    }

    /// <summary>
    /// A folder's journal may only be resumed by the same evaluation: outcomes of another model, test set or
    /// thinking mode mixed into one report would be silently wrong.
    /// </summary>
    private static void CheckSettings(EvaluationRunOptions options)
    {
        var path = Path.Combine(options.OutputFolder, EvaluationFiles.Settings);
        var settings = JsonSerializer.Serialize(new
        {
            model = options.ModelLabel,
            data = Path.GetFullPath(options.DataPath),
            think = options.ThinkLabel,
            maxKeyphrases = options.Suggestion.MaxKeyphrases,
            maxTokens = options.Suggestion.MaxTokens,
            temperature = options.Suggestion.Sampling.Temperature,
        });
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing != settings && File.Exists(Path.Combine(options.OutputFolder, EvaluationFiles.Outcomes)))
                throw new ArgumentException(
                    $"{options.OutputFolder} holds an evaluation with other settings ({existing}); use another --out folder, or delete that one to start over.");
        }
        AtomicFile.WriteAllText(path, settings + "\n");
    }
}
