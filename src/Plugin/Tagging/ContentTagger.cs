using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Feedback;
using DynamicCot.Plugin.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.Tagging;

/// <summary>What tagging one item did.</summary>
public enum TagOutcomeKind { Written, Unchanged, SkippedByPolicy }

/// <param name="Write">Where the tags went when <see cref="Kind"/> is Written.</param>
public sealed record TagOutcome(TagOutcomeKind Kind, IReadOnlyList<string> Tags, TagWriteResult? Write = null);

/// <summary>The item cannot be tagged (unknown key, trashed, document type not configured, no text and no image).</summary>
public sealed class ContentNotTaggableException(string message) : Exception(message), DynamicCot.Keyphrases.IUserFacingError;

/// <summary>
/// Tags one content item in two steps, shared by auto-tag and bulk jobs: <see cref="SuggestAsync"/> reads its text and
/// image and asks the suggester (throttled) for tags; <see cref="ApplyAsync"/> merges those suggestions into the item
/// at the moment of writing, under the CMS's write lock (<see cref="IContentRepository.UpdateTagsAsync"/>): the item's
/// tags as stored then, the editor's rejections as recorded then (including the plugin's tags the editor deleted since,
/// see <see cref="AutoTagLedger"/>), and the merge policy. Inference takes seconds and a queued bulk item hours, so a
/// list decided earlier would undo whatever the editor did meanwhile. A bulk job records the suggestions between the
/// steps, so a re-run after a crash merges the same suggestions instead of asking the model again.
/// </summary>
public sealed class ContentTagger(
    IContentRepository content,
    IMediaBytesSource media,
    IKeyphraseSuggester suggester,
    SuggestionThrottle throttle,
    AutoTagLedger ledger,
    IOptions<DynamicCotOptions> options,
    ILogger<ContentTagger> logger)
{
    public async Task<TagOutcome> TagAsync(Guid key, ContentActor actor, CancellationToken cancellationToken)
    {
        var suggestions = await SuggestAsync(key, cancellationToken);
        return await ApplyAsync(key, suggestions, actor, cancellationToken);
    }

    /// <returns>The suggested tags above the confidence threshold, best first; rejections are applied when writing.</returns>
    public async Task<IReadOnlyList<string>> SuggestAsync(Guid key, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var item = Taggable(await content.GetAsync(key, cancellationToken), key);
        var image = item.ImageReference is { Length: > 0 } reference
            ? await media.ReadAsync(reference, cancellationToken)
            : null;
        if (string.IsNullOrWhiteSpace(item.Text) && image is null)
            throw new ContentNotTaggableException($"Item {key} has no text and no image to suggest from.");

        var result = await throttle.RunAsync(
            () => suggester.SuggestAsync(item.Text, image, settings.ToSuggestionOptions(), cancellationToken),
            cancellationToken);
        return result.Keyphrases.Where(k => k.Confidence >= settings.MinConfidence).Select(k => k.Text).ToList();
    }

    /// <param name="cancellationToken">Checked before the write only: once started, a write is finished.</param>
    public async Task<TagOutcome> ApplyAsync(Guid key, IReadOnlyList<string> suggestions, ContentActor actor, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var policy = options.Value.MergePolicy;
        var skipped = false;
        TagUpdate update;
        using (SelfPublishGuard.Begin())
            update = await content.UpdateTagsAsync(key, async (current, token) =>
            {
                Taggable(current, key);
                var rejected = await ledger.ReconcileAsync(key, current.Tags, token);
                var merged = TagMerger.Merge(current.Tags, suggestions.Where(s => !rejected.Contains(PluginSchema.RejectedTagKey(s))), policy);
                skipped = merged is null;
                return merged;
            }, actor, CancellationToken.None);
        if (update.Write is not { } write)
            return new TagOutcome(skipped ? TagOutcomeKind.SkippedByPolicy : TagOutcomeKind.Unchanged, update.Tags);
        await ledger.RecordWriteAsync(key, update.Before, update.Tags, CancellationToken.None);
        logger.LogInformation("Tagged {Key} with {Count} tags ({Write}, as {Actor})", key, update.Tags.Count, write, actor);
        return new TagOutcome(TagOutcomeKind.Written, update.Tags, write);
    }

    private static TaggableItem Taggable(TaggableItem? item, Guid key)
    {
        if (item is null)
            throw new ContentNotTaggableException($"No content item has the key {key}.");
        if (item.State == PublishState.Trashed)
            throw new ContentNotTaggableException($"Item {key} is in the recycle bin.");
        if (item.TagsProperty is null)
            throw new ContentNotTaggableException(
                $"Document type '{item.DocumentType}' of item {key} has no tags property configured (DynamicCot:DocumentTypes:{item.DocumentType}:TagsProperty).");
        return item;
    }
}
