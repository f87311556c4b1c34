using DynamicCot.Plugin.Storage;
using static DynamicCot.Plugin.Storage.DbCommandExtensions;

namespace DynamicCot.Plugin.Feedback;

/// <summary>A tag an editor rejected for one item.</summary>
public sealed record RejectedTag(Guid ContentKey, string Tag, DateTimeOffset RejectedAt);

/// <summary>
/// The tags editors rejected, per item. Auto-tag and bulk retag never add them back to that item; they stay rejected
/// until an editor clears them (or accepts or adds the same tag later, which is the same explicit decision).
/// Tags compare case-insensitively, as Umbraco's tag tables do.
/// </summary>
public sealed class RejectedTagStore(PluginDatabase database, TimeProvider clock)
{
    public async Task AddAsync(Guid contentKey, IEnumerable<string> tags, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var tag in tags.Select(t => t.Trim()).Where(t => t.Length > 0))
        {
            await using var command = connection.Command(
                "INSERT INTO dcot_rejected_tags (content_key, tag_key, tag, rejected_at) VALUES (@key, @tagKey, @tag, @at) ON CONFLICT (content_key, tag_key) DO NOTHING",
                ("@key", contentKey.ToString()), ("@tagKey", PluginSchema.RejectedTagKey(tag)), ("@tag", tag), ("@at", Timestamp(clock.GetUtcNow())));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task<IReadOnlyList<RejectedTag>> ListAsync(Guid contentKey, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT tag, rejected_at FROM dcot_rejected_tags WHERE content_key = @key ORDER BY rejected_at, tag_key", ("@key", contentKey.ToString()));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<RejectedTag>();
        while (await reader.ReadAsync(cancellationToken))
            result.Add(new RejectedTag(contentKey, reader.GetString(0), ParseTimestamp(reader.GetValue(1))!.Value));
        return result;
    }

    /// <summary>Whether a tag is rejected for the item, by the same comparison the tag tables use.</summary>
    public async Task<ISet<string>> KeysAsync(Guid contentKey, CancellationToken cancellationToken) =>
        (await ListAsync(contentKey, cancellationToken)).Select(r => PluginSchema.RejectedTagKey(r.Tag)).ToHashSet();

    /// <summary>Clears rejections (the given tags, or all of the item's when <paramref name="tags"/> is null); returns how many.</summary>
    public Task<int> ClearAsync(Guid contentKey, IReadOnlyCollection<string>? tags, CancellationToken cancellationToken) =>
        DeleteAsync(contentKey, tags, cancellationToken);

    /// <summary>Clears the given tags' rejections (or every rejection when <paramref name="tags"/> is null) on all items; returns how many.</summary>
    public Task<int> ClearEverywhereAsync(IReadOnlyCollection<string>? tags, CancellationToken cancellationToken) =>
        DeleteAsync(null, tags, cancellationToken);

    private async Task<int> DeleteAsync(Guid? contentKey, IReadOnlyCollection<string>? tags, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var item = contentKey is { } key ? [("@key", (object?)key.ToString())] : Array.Empty<(string, object?)>();
        var onItem = contentKey is null ? "" : " AND content_key = @key";
        if (tags is null)
        {
            await using var all = connection.Command("DELETE FROM dcot_rejected_tags WHERE 1 = 1" + onItem, item);
            return await all.ExecuteNonQueryAsync(cancellationToken);
        }
        var cleared = 0;
        foreach (var tag in tags.Where(t => !string.IsNullOrWhiteSpace(t)))
        {
            await using var one = connection.Command("DELETE FROM dcot_rejected_tags WHERE tag_key = @tagKey" + onItem,
                [.. item, ("@tagKey", PluginSchema.RejectedTagKey(tag))]);
            cleared += await one.ExecuteNonQueryAsync(cancellationToken);
        }
        return cleared;
    }
}
