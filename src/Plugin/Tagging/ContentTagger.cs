using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Tags;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.Tagging;

/// <summary>What tagging one item did.</summary>
public enum TagOutcomeKind { Written, Unchanged, SkippedByPolicy }

public sealed record TagOutcome(TagOutcomeKind Kind, IReadOnlyList<string> Tags);

/// <summary>The item cannot be tagged (unknown key, document type not configured, no text and no image).</summary>
public sealed class ContentNotTaggableException(string message) : Exception(message);

/// <summary>
/// Tags one content item: reads its text and image, asks the suggester (throttled), merges with the editor's tags and
/// writes + publishes under <see cref="SelfPublishGuard"/>. Shared by auto-tag and bulk jobs.
/// </summary>
public sealed class ContentTagger(
    IContentRepository content,
    IMediaBytesSource media,
    IKeyphraseSuggester suggester,
    SuggestionThrottle throttle,
    IOptions<DynamicCotOptions> options,
    ILogger<ContentTagger> logger)
{
    public async Task<TagOutcome> TagAsync(Guid key, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var item = await content.GetAsync(key, cancellationToken)
            ?? throw new ContentNotTaggableException($"No content item has the key {key}.");
        if (item.TagsProperty is null)
            throw new ContentNotTaggableException(
                $"Document type '{item.DocumentType}' of item {key} has no tags property configured (DynamicCot:DocumentTypes:{item.DocumentType}:TagsProperty).");

        var image = item.ImageReference is { Length: > 0 } reference
            ? await media.ReadAsync(reference, cancellationToken)
            : null;
        if (string.IsNullOrWhiteSpace(item.Text) && image is null)
            throw new ContentNotTaggableException($"Item {key} has no text and no image to suggest from.");

        var result = await throttle.RunAsync(
            () => suggester.SuggestAsync(item.Text, image, settings.ToSuggestionOptions(), cancellationToken),
            cancellationToken);
        var accepted = result.Keyphrases.Where(k => k.Confidence >= settings.MinConfidence).Select(k => k.Text);

        var merged = TagMerger.Merge(item.Tags, accepted, settings.MergePolicy);
        if (merged is null) return new TagOutcome(TagOutcomeKind.SkippedByPolicy, item.Tags);
        if (merged.SequenceEqual(item.Tags)) return new TagOutcome(TagOutcomeKind.Unchanged, item.Tags);

        // Once the model has answered, the write must not be torn by a shutdown: finish it.
        using (SelfPublishGuard.Begin())
            await content.WriteTagsAndPublishAsync(key, merged, CancellationToken.None);
        logger.LogInformation("Tagged {Key} with {Count} tags", key, merged.Count);
        return new TagOutcome(TagOutcomeKind.Written, merged);
    }
}
