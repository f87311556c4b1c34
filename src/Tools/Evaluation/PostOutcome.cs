using System.Text.Json;
using DynamicCot.Keyphrases.Data;

namespace DynamicCot.Tools.Evaluation;

/// <summary>
/// What the model did for one post in an evaluation: its ranked keyphrases and what they cost. One line of the
/// run's <c>outcomes.jsonl</c> journal, which makes an interrupted evaluation resumable.
/// </summary>
/// <param name="TotalMs">From submitting the request to its result, queueing behind the run's other requests included.</param>
/// <param name="Error">Why the model could not take the post (scored as an empty prediction); null when it answered.</param>
public sealed record PostOutcome(string Id, IReadOnlyList<string> Keyphrases, bool Thought, int PromptTokens, int GeneratedTokens, double PromptMs, double GenerationMs, double TotalMs,
    string? Error = null)
{
    public static PostOutcome Failed(string id, string error, double totalMs) => new(id, [], false, 0, 0, 0, 0, totalMs, error);

    public void WriteTo(Utf8JsonWriter json)
    {
        json.WriteString("id", Id);
        json.WriteStartArray("keyphrases");
        foreach (var keyphrase in Keyphrases)
            json.WriteStringValue(keyphrase);
        json.WriteEndArray();
        json.WriteBoolean("thought", Thought);
        json.WriteNumber("promptTokens", PromptTokens);
        json.WriteNumber("generatedTokens", GeneratedTokens);
        json.WriteNumber("promptMs", Math.Round(PromptMs, 2));
        json.WriteNumber("generationMs", Math.Round(GenerationMs, 2));
        json.WriteNumber("totalMs", Math.Round(TotalMs, 2));
        if (Error is not null)
            json.WriteString("error", Error);
    }

    public static PostOutcome Read(JsonLine line) => new(
        line.RequiredString("id"),
        line.RequiredStringArray("keyphrases"),
        line.Root.TryGetProperty("thought", out var thought) && thought.ValueKind == JsonValueKind.True,
        (int)Number(line, "promptTokens"),
        (int)Number(line, "generatedTokens"),
        Number(line, "promptMs"),
        Number(line, "generationMs"),
        Number(line, "totalMs"),
        line.OptionalString("error"));

    private static double Number(JsonLine line, string name) =>
        line.Root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw line.Error($"\"{name}\" must be a number");
}
