using System.Text.Json;
using DynamicCot.Keyphrases.Data;

namespace DynamicCot.Tools.Teacher;

/// <summary>
/// One line of a teacher run's journal: a post's reply (<see cref="Answered"/>: the request succeeded and was paid
/// for, so it is never sent again) or its failure (retried by the next run).
/// </summary>
/// <param name="Rationale">The teacher's rationale; null when it wrote none (such a reply is kept as answered, not redone).</param>
/// <param name="Answer">The keyphrases of the teacher's own answer, for the agreement check.</param>
/// <param name="Agreement">F1 of <paramref name="Answer"/> against the gold keyphrases when it was recorded.</param>
/// <param name="Error">Why it failed; null when answered.</param>
public sealed record TeacherJournalEntry(
    string Id,
    bool Answered,
    string? Rationale,
    IReadOnlyList<string> Answer,
    double Agreement,
    int PromptTokens,
    int CompletionTokens,
    int Attempts,
    string? Error)
{
    public const string AnsweredStatus = "answered";
    public const string FailedStatus = "failed";

    public void WriteTo(Utf8JsonWriter json)
    {
        json.WriteString("id", Id);
        json.WriteString("status", Answered ? AnsweredStatus : FailedStatus);
        if (Rationale is not null)
            json.WriteString("rationale", Rationale);
        json.WriteStartArray("answer");
        foreach (var keyphrase in Answer)
            json.WriteStringValue(keyphrase);
        json.WriteEndArray();
        json.WriteNumber("agreement", Math.Round(Agreement, 4));
        json.WriteNumber("promptTokens", PromptTokens);
        json.WriteNumber("completionTokens", CompletionTokens);
        json.WriteNumber("attempts", Attempts);
        if (Error is not null)
            json.WriteString("error", Error);
    }

    public static TeacherJournalEntry Read(JsonLine line)
    {
        var status = line.RequiredString("status");
        if (status is not (AnsweredStatus or FailedStatus))
            throw line.Error($"\"status\" must be \"{AnsweredStatus}\" or \"{FailedStatus}\", not \"{status}\"");
        return new TeacherJournalEntry(
            line.RequiredString("id"),
            status == AnsweredStatus,
            line.OptionalString("rationale"),
            line.RequiredStringArray("answer"),
            Number(line, "agreement"),
            (int)Number(line, "promptTokens"),
            (int)Number(line, "completionTokens"),
            (int)Number(line, "attempts"),
            line.OptionalString("error"));
    }

    private static double Number(JsonLine line, string name) =>
        line.Root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw line.Error($"\"{name}\" must be a number");
}
