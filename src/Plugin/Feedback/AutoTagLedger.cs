using DynamicCot.Plugin.Storage;
using static DynamicCot.Plugin.Storage.DbCommandExtensions;

namespace DynamicCot.Plugin.Feedback;

/// <summary>
/// The tags the plugin put on each item. An editor who deletes one of them in the CMS's own tags editor has rejected
/// it for that item just as surely as one who rejects it in the suggestion panel: <see cref="ReconcileAsync"/> turns
/// every such removal into a rejection before the plugin writes again, so the tag does not come back.
/// </summary>
public sealed class AutoTagLedger(PluginDatabase database, RejectedTagStore rejectedTags, TimeProvider clock)
{
    /// <summary>
    /// Records the plugin's tags that are missing from <paramref name="currentTags"/> (the editor removed them) as
    /// rejections, forgets them here, and returns every rejected tag key of the item.
    /// </summary>
    public async Task<ISet<string>> ReconcileAsync(Guid contentKey, IReadOnlyList<string> currentTags, CancellationToken cancellationToken)
    {
        var present = currentTags.Select(PluginSchema.RejectedTagKey).ToHashSet();
        var removed = (await ListAsync(contentKey, cancellationToken)).Where(t => !present.Contains(PluginSchema.RejectedTagKey(t))).ToList();
        if (removed.Count > 0)
        {
            await rejectedTags.AddAsync(contentKey, removed, cancellationToken);
            await ForgetAsync(contentKey, removed, cancellationToken);
        }
        return await rejectedTags.KeysAsync(contentKey, cancellationToken);
    }

    /// <summary>After a write: the plugin's tags are those it added now plus those it added before that are still on the item.</summary>
    public async Task RecordWriteAsync(Guid contentKey, IReadOnlyList<string> before, IReadOnlyList<string> after, CancellationToken cancellationToken)
    {
        var beforeKeys = before.Select(PluginSchema.RejectedTagKey).ToHashSet();
        var afterKeys = after.Select(PluginSchema.RejectedTagKey).ToHashSet();
        var dropped = (await ListAsync(contentKey, cancellationToken)).Where(t => !afterKeys.Contains(PluginSchema.RejectedTagKey(t))).ToList();
        await ForgetAsync(contentKey, dropped, cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var tag in after.Where(t => !beforeKeys.Contains(PluginSchema.RejectedTagKey(t))))
        {
            await using var command = connection.Command(
                "INSERT INTO dcot_auto_tags (content_key, tag_key, tag, added_at) VALUES (@key, @tagKey, @tag, @at) ON CONFLICT (content_key, tag_key) DO NOTHING",
                ("@key", contentKey.ToString()), ("@tagKey", PluginSchema.RejectedTagKey(tag)), ("@tag", tag.Trim()), ("@at", Timestamp(clock.GetUtcNow())));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task<IReadOnlyList<string>> ListAsync(Guid contentKey, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT tag FROM dcot_auto_tags WHERE content_key = @key ORDER BY added_at, tag_key", ("@key", contentKey.ToString()));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tags = new List<string>();
        while (await reader.ReadAsync(cancellationToken)) tags.Add(reader.GetString(0));
        return tags;
    }

    private async Task ForgetAsync(Guid contentKey, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        if (tags.Count == 0) return;
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var tag in tags)
        {
            await using var command = connection.Command("DELETE FROM dcot_auto_tags WHERE content_key = @key AND tag_key = @tagKey",
                ("@key", contentKey.ToString()), ("@tagKey", PluginSchema.RejectedTagKey(tag)));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
