using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Feedback;
using DynamicCot.Plugin.Storage;
using DynamicCot.Plugin.Tags;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.Tagging;

/// <summary>What tagging one item did.</summary>
public enum TagOutcomeKind { Written, Unchanged, SkippedByPolicy }

/// <param name="Write">Where the tags went when <see cref="Kind"/> is Written.</param>
public sealed record TagOutcome(TagOutcomeKind Kind, IReadOnlyList<string> Tags, TagWriteResult? Write = null);

/// <summary>The tags to store for an item (null: the merge policy leaves it alone), decided before anything is written.</summary>
public sealed record TagPlan(Guid Key, IReadOnlyList<string>? Tags);

/// <summary>The item cannot be tagged (unknown key, trashed, document type not configured, no text and no image).</summary>
public sealed class ContentNotTaggableException(string message) : Exception(message), DynamicCot.Keyphrases.IUserFacingError;

/// <summary>
/// Tags one content item in two steps, shared by auto-tag and bulk jobs: <see cref="PlanAsync"/> reads its text and
/// image, asks the suggester (throttled), drops the tags an editor rejected for this item and merges with the editor's
/// tags; <see cref="ApplyAsync"/> writes a plan under <see cref="SelfPublishGuard"/>, and writes nothing when the item
/// already has exactly those tags. A bulk job records the plan between the steps, so a re-run after a crash applies
/// the same result instead of asking the model again.
/// </summary>
public sealed class ContentTagger(
    IContentRepository content,
    IMediaBytesSource media,
    IKeyphraseSuggester suggester,
    SuggestionThrottle throttle,
    RejectedTagStore rejectedTags,
    IOptions<DynamicCotOptions> options,
    ILogger<ContentTagger> logger)
{
    public async Task<TagOutcome> TagAsync(Guid key, ContentActor actor, CancellationToken cancellationToken)
    {
        var plan = await PlanAsync(key, cancellationToken);
        return await ApplyAsync(plan, actor, cancellationToken);
    }

    public async Task<TagPlan> PlanAsync(Guid key, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var item = await GetTaggableAsync(key, cancellationToken);
        var image = item.ImageReference is { Length: > 0 } reference
            ? await media.ReadAsync(reference, cancellationToken)
            : null;
        if (string.IsNullOrWhiteSpace(item.Text) && image is null)
            throw new ContentNotTaggableException($"Item {key} has no text and no image to suggest from.");

        var result = await throttle.RunAsync(
            () => suggester.SuggestAsync(item.Text, image, settings.ToSuggestionOptions(), cancellationToken),
            cancellationToken);
        var rejected = await rejectedTags.KeysAsync(key, cancellationToken);
        var accepted = result.Keyphrases
            .Where(k => k.Confidence >= settings.MinConfidence)
            .Select(k => k.Text)
            .Where(text => !rejected.Contains(PluginSchema.RejectedTagKey(text)));
        return new TagPlan(key, TagMerger.Merge(item.Tags, accepted, settings.MergePolicy));
    }

    /// <param name="cancellationToken">Checked before the write only: once started, a write is finished.</param>
    public async Task<TagOutcome> ApplyAsync(TagPlan plan, ContentActor actor, CancellationToken cancellationToken)
    {
        var item = await GetTaggableAsync(plan.Key, cancellationToken);
        if (plan.Tags is null) return new TagOutcome(TagOutcomeKind.SkippedByPolicy, item.Tags);
        if (plan.Tags.SequenceEqual(item.Tags)) return new TagOutcome(TagOutcomeKind.Unchanged, item.Tags);
        cancellationToken.ThrowIfCancellationRequested();

        TagWriteResult write;
        using (SelfPublishGuard.Begin())
            write = await content.WriteTagsAsync(plan.Key, plan.Tags, actor, CancellationToken.None);
        logger.LogInformation("Tagged {Key} with {Count} tags ({Write}, as {Actor})", plan.Key, plan.Tags.Count, write, actor);
        return new TagOutcome(TagOutcomeKind.Written, plan.Tags, write);
    }

    private async Task<TaggableItem> GetTaggableAsync(Guid key, CancellationToken cancellationToken)
    {
        var item = await content.GetAsync(key, cancellationToken)
            ?? throw new ContentNotTaggableException($"No content item has the key {key}.");
        if (item.State == PublishState.Trashed)
            throw new ContentNotTaggableException($"Item {key} is in the recycle bin.");
        if (item.TagsProperty is null)
            throw new ContentNotTaggableException(
                $"Document type '{item.DocumentType}' of item {key} has no tags property configured (DynamicCot:DocumentTypes:{item.DocumentType}:TagsProperty).");
        return item;
    }
}
