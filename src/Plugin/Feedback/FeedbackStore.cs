using System.Text.Json;
using System.Text.Json.Serialization;
using DynamicCot.Plugin.Storage;
using static DynamicCot.Plugin.Storage.DbCommandExtensions;

namespace DynamicCot.Plugin.Feedback;

/// <summary>An editor's decisions on one item's suggestions.</summary>
/// <param name="Text">The text the suggestions were made from (kept, so the export is the training input as it was).</param>
/// <param name="Image">The image's path relative to the export (or a media reference), if any.</param>
public sealed record FeedbackRecord(
    Guid Id,
    Guid? ContentKey,
    string Text,
    string? Image,
    IReadOnlyList<string> Accepted,
    IReadOnlyList<string> Rejected,
    IReadOnlyList<string> Added,
    DateTimeOffset CreatedAt);

/// <summary>One line of the project's training data format: id, text, optional image path, keyphrases.</summary>
public sealed record TrainingExample(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("image"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Image,
    [property: JsonPropertyName("keyphrases")] IReadOnlyList<string> Keyphrases);

/// <summary>
/// Records editor feedback and turns it into training JSONL, so editors' decisions feed the next fine-tune; rejected
/// tags also go to <see cref="RejectedTagStore"/>, which keeps them off the item.
/// </summary>
public sealed class FeedbackStore(PluginDatabase database, RejectedTagStore rejectedTags, TimeProvider clock)
{
    public async Task<FeedbackRecord> AddAsync(Guid? contentKey, string text, string? image,
        IReadOnlyList<string> accepted, IReadOnlyList<string> rejected, IReadOnlyList<string> added, CancellationToken cancellationToken)
    {
        var record = new FeedbackRecord(Guid.NewGuid(), contentKey, text, image, accepted, rejected, added, clock.GetUtcNow());
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "INSERT INTO dcot_feedback (id, content_key, text, image, accepted, rejected, added, created_at) VALUES (@id, @key, @text, @image, @accepted, @rejected, @added, @at)",
            ("@id", record.Id.ToString()), ("@key", contentKey?.ToString()), ("@text", text), ("@image", image),
            ("@accepted", JsonSerializer.Serialize(accepted)), ("@rejected", JsonSerializer.Serialize(rejected)),
            ("@added", JsonSerializer.Serialize(added)), ("@at", Timestamp(record.CreatedAt)));
        await command.ExecuteNonQueryAsync(cancellationToken);
        if (contentKey is { } key)
        {
            // Accepting or adding a tag the editor once rejected is the explicit decision that clears the rejection.
            await rejectedTags.ClearAsync(key, accepted.Concat(added).ToList(), cancellationToken);
            await rejectedTags.AddAsync(key, rejected, cancellationToken);
        }
        return record;
    }

    public async Task<IReadOnlyList<FeedbackRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT id, content_key, text, image, accepted, rejected, added, created_at FROM dcot_feedback ORDER BY created_at, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<FeedbackRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new FeedbackRecord(
                Guid.Parse(reader.GetString(0)),
                reader.IsDBNull(1) ? null : Guid.Parse(reader.GetString(1)),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                JsonSerializer.Deserialize<string[]>(reader.GetString(4)) ?? [],
                JsonSerializer.Deserialize<string[]>(reader.GetString(5)) ?? [],
                JsonSerializer.Deserialize<string[]>(reader.GetString(6)) ?? [],
                ParseTimestamp(reader.GetValue(7))!.Value));
        }
        return result;
    }

    /// <summary>
    /// One example per item (the latest feedback on it wins; feedback without an item is its own example): the
    /// keyphrases are the accepted and added tags, minus any the editor rejected. Items left with none are skipped.
    /// </summary>
    public async Task<IReadOnlyList<TrainingExample>> ExportAsync(CancellationToken cancellationToken)
    {
        var latest = new Dictionary<string, FeedbackRecord>();
        foreach (var record in await ListAsync(cancellationToken))
            latest[record.ContentKey?.ToString() ?? record.Id.ToString()] = record;
        var examples = new List<TrainingExample>();
        foreach (var (id, record) in latest)
        {
            var rejected = new HashSet<string>(record.Rejected, StringComparer.OrdinalIgnoreCase);
            var keyphrases = record.Accepted.Concat(record.Added)
                .Select(k => k.Trim()).Where(k => k.Length > 0 && !rejected.Contains(k))
                .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (keyphrases.Count > 0) examples.Add(new TrainingExample(id, record.Text, record.Image, keyphrases));
        }
        return examples;
    }
}
