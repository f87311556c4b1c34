using System.Globalization;
using System.Text;
using System.Text.Json;
using DynamicCot.Keyphrases.Metrics;

namespace DynamicCot.Tools.Evaluation;

/// <summary>
/// An evaluation's results: the paper's score table plus generated-token, prompt-token and latency statistics.
/// Serialised as <c>report.json</c>: the <see cref="ScoreReport.ToJson"/> object (keys <c>all</c>, <c>present</c>,
/// <c>absent</c>, <c>unseen</c>) extended with <c>run</c>, <c>generatedTokens</c>, <c>promptTokens</c>,
/// <c>promptMs</c>, <c>generationMs</c> and <c>totalMs</c> (each <c>{"mean","p50","p95"}</c>), so any reader of
/// score JSON also reads reports.
/// </summary>
/// <param name="Name">The run's label in comparisons (e.g. "Dynamic CoT").</param>
/// <param name="Model">The model's file name (no folders, so reports can be shared).</param>
/// <param name="Data">The test set's file name.</param>
/// <param name="Think">auto, off, or the thinking-token cap.</param>
/// <param name="ThoughtShare">Fraction of posts where the model wrote a rationale.</param>
public sealed record EvaluationReport(
    string Name, string Model, string Data, string Think, int Posts, double ThoughtShare, double WallSeconds,
    ScoreReport Scores, DistributionStats GeneratedTokens, DistributionStats PromptTokens,
    DistributionStats PromptMs, DistributionStats GenerationMs, DistributionStats TotalMs)
{
    public static readonly IReadOnlyList<string> StatisticKeys = ["generatedTokens", "promptTokens", "promptMs", "generationMs", "totalMs"];

    /// <summary>How many failed posts a report lists by name.</summary>
    public const int MaxListedFailures = 20;

    /// <summary>Posts the model could not take (undecodable image, empty text); scored as empty predictions.</summary>
    public int Failed { get; init; }

    /// <summary>The first <see cref="MaxListedFailures"/> failed posts, as <c>id: reason</c>.</summary>
    public IReadOnlyList<string> FailedPosts { get; init; } = [];

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            using (var scores = JsonDocument.Parse(Scores.ToJson()))
            {
                foreach (var category in scores.RootElement.EnumerateObject())
                    category.WriteTo(json);
            }
            json.WriteStartObject("run");
            json.WriteString("name", Name);
            json.WriteString("model", Model);
            json.WriteString("data", Data);
            json.WriteString("think", Think);
            json.WriteNumber("posts", Posts);
            json.WriteNumber("thoughtShare", Math.Round(ThoughtShare, 4));
            json.WriteNumber("wallSeconds", Math.Round(WallSeconds, 2));
            json.WriteNumber("failed", Failed);
            json.WriteStartArray("failedPosts");
            foreach (var failure in FailedPosts)
                json.WriteStringValue(failure);
            json.WriteEndArray();
            json.WriteEndObject();
            Write(json, "generatedTokens", GeneratedTokens);
            Write(json, "promptTokens", PromptTokens);
            Write(json, "promptMs", PromptMs);
            Write(json, "generationMs", GenerationMs);
            Write(json, "totalMs", TotalMs);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads a <c>report.json</c>; errors name the file.</summary>
    public static EvaluationReport Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no such report", path);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            var run = root.GetProperty("run");
            return new EvaluationReport(
                run.GetProperty("name").GetString()!, run.GetProperty("model").GetString()!, run.GetProperty("data").GetString()!,
                run.GetProperty("think").GetString()!, run.GetProperty("posts").GetInt32(), run.GetProperty("thoughtShare").GetDouble(),
                run.GetProperty("wallSeconds").GetDouble(),
                new ScoreReport(Category(root, "all"), Category(root, "present"), Category(root, "absent"), Category(root, "unseen")),
                Stats(root, "generatedTokens"), Stats(root, "promptTokens"), Stats(root, "promptMs"), Stats(root, "generationMs"), Stats(root, "totalMs"))
            {
                // Reports written before failures were recorded have neither field.
                Failed = run.TryGetProperty("failed", out var failed) ? failed.GetInt32() : 0,
                FailedPosts = run.TryGetProperty("failedPosts", out var list) ? [.. list.EnumerateArray().Select(f => f.GetString()!)] : [],
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: not an evaluation report ({e.Message})", e);
        }
    }

    private static CategoryScore Category(JsonElement root, string name)
    {
        var c = root.GetProperty(name);
        // Reports store percent; the record holds fractions.
        return new CategoryScore(c.GetProperty("f1@1").GetDouble() / 100, c.GetProperty("f1@3").GetDouble() / 100,
            c.GetProperty("f1@5").GetDouble() / 100, c.GetProperty("f1@M").GetDouble() / 100, c.GetProperty("count").GetInt32());
    }

    private static DistributionStats Stats(JsonElement root, string name)
    {
        var s = root.GetProperty(name);
        return new DistributionStats(s.GetProperty("mean").GetDouble(), s.GetProperty("p50").GetDouble(), s.GetProperty("p95").GetDouble());
    }

    private static void Write(Utf8JsonWriter json, string name, DistributionStats stats)
    {
        json.WriteStartObject(name);
        json.WriteNumber("mean", Math.Round(stats.Mean, 2));
        json.WriteNumber("p50", Math.Round(stats.P50, 2));
        json.WriteNumber("p95", Math.Round(stats.P95, 2));
        json.WriteEndObject();
    }

    internal static string Format(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);
}
