using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Tagging;
using Microsoft.Extensions.Options;
using Umbraco.Cms.Core;
using Umbraco.Cms.Core.Models;
using Umbraco.Cms.Core.Services;

namespace DynamicCot.Plugin.Umbraco;

/// <summary>
/// The plugin's content access on a real Umbraco site, over <see cref="IContentService"/>. Invariant content: the
/// tags are written to the invariant value. The publish state is the editor's: only an item published without pending
/// changes (<c>Published &amp;&amp; !Edited</c>) is republished, once (<c>SaveAndPublish</c>); every other item gets the tags
/// in its draft (<c>Save</c>), so nothing unpublished goes live and no pending edit is published. Writes are attributed
/// to the given user (the publishing editor, or the user who started the bulk job).
/// <para>
/// Auto-tag after the editor's publish republishes the item once more, so other packages' published handlers (search
/// indexers, webhooks) run a second time for it (measured in the tests: 2 runs per editor publish of a clean item, 1
/// for any other state). Umbraco offers no way around it that keeps the site correct: content changed in
/// <c>ContentPublishingNotification</c> is not saved, tagging in <c>ContentSavingNotification</c> would block the
/// editor's request for the model's seconds, and suppressing notifications around the republish
/// (<c>ICoreScope.Notifications.Suppress()</c>) would also silence Umbraco's own cache refreshers, leaving the
/// published cache stale. The republish is one call, never a loop (<see cref="SelfPublishGuard"/>).
/// </para>
/// </summary>
public sealed class UmbracoContentRepository(
    IContentService contentService,
    IContentTypeService contentTypeService,
    UmbracoTagFormats tagFormats,
    IOptions<DynamicCotOptions> options) : IContentRepository
{
    private const int PageSize = 500;
    private static readonly Ordering ByPath = Ordering.By("path");

    public async Task<TaggableItem?> GetAsync(Guid key, CancellationToken cancellationToken)
    {
        var content = contentService.GetById(key);
        if (content is null) return null;
        var typeAlias = content.ContentType.Alias;
        options.Value.DocumentTypes.TryGetValue(typeAlias, out var tagging);

        var texts = new List<string> { content.Name ?? "" };
        if (tagging is not null)
            texts.AddRange(tagging.TextProperties.Select(alias => TextExtraction.ToPlainText(content.GetValue(alias))));
        var image = tagging?.ImageProperty is { } imageAlias ? content.GetValue(imageAlias)?.ToString() : null;

        IReadOnlyList<string> tags = [];
        if (tagging is not null && content.Properties.TryGetValue(tagging.TagsProperty, out var property) && property is not null)
            tags = (await tagFormats.ForAsync(property.PropertyType)).Decode(property.GetValue());

        return new TaggableItem(key, typeAlias, content.Name ?? "", TextExtraction.Join(texts), image, tags,
            tagging is not null && content.Properties.Contains(tagging.TagsProperty) ? tagging.TagsProperty : null, StateOf(content));
    }

    /// <summary>Umbraco's flags: <c>Published</c> (a published version exists), <c>Edited</c> (the draft differs from it), <c>PublishDate</c>/<c>PublishedVersionId</c> (it was ever published).</summary>
    public static PublishState StateOf(IContent content) =>
        content.Trashed ? PublishState.Trashed
        : content.Published ? (content.Edited ? PublishState.PublishedWithPendingChanges : PublishState.Published)
        : content.PublishedVersionId > 0 || content.PublishDate is not null ? PublishState.Unpublished
        : PublishState.NeverPublished;

    public Task<IReadOnlyList<Guid>> ListKeysAsync(ContentSelection selection, CancellationToken cancellationToken)
    {
        var configured = options.Value.DocumentTypes;
        IEnumerable<IContent> items;
        if (selection.RootKey is { } rootKey)
        {
            var root = contentService.GetById(rootKey) ?? throw new ArgumentException($"No content item has the key {rootKey}.", nameof(selection));
            items = new[] { root }.Concat(Paged((long page, out long total) => contentService.GetPagedDescendants(root.Id, page, PageSize, out total, null, ByPath)));
        }
        else if (selection.DocumentType is { } alias)
        {
            var type = contentTypeService.Get(alias) ?? throw new ArgumentException($"No document type has the alias '{alias}'.", nameof(selection));
            items = Paged((long page, out long total) => contentService.GetPagedOfType(type.Id, page, PageSize, out total, null!, ByPath));
        }
        else
        {
            items = contentService.GetRootContent().SelectMany(root =>
                new[] { root }.Concat(Paged((long page, out long total) => contentService.GetPagedDescendants(root.Id, page, PageSize, out total, null, ByPath))));
        }

        IReadOnlyList<Guid> keys = items
            .Where(c => configured.ContainsKey(c.ContentType.Alias))
            .Where(c => selection.DocumentType is null || string.Equals(c.ContentType.Alias, selection.DocumentType, StringComparison.OrdinalIgnoreCase))
            .Where(c => !c.Trashed)
            .Select(c => c.Key)
            .Distinct()
            .ToList();
        return Task.FromResult(keys);
    }

    public async Task<TagWriteResult> WriteTagsAsync(Guid key, IReadOnlyList<string> tags, ContentActor actor, CancellationToken cancellationToken)
    {
        var content = contentService.GetById(key) ?? throw new ContentNotTaggableException($"Content {key} was deleted before its tags could be written.");
        if (content.Trashed) throw new ContentNotTaggableException($"Content {key} is in the recycle bin.");
        if (!options.Value.DocumentTypes.TryGetValue(content.ContentType.Alias, out var tagging)
            || !content.Properties.TryGetValue(tagging.TagsProperty, out var property) || property is null)
            throw new ContentNotTaggableException($"Content {key} ({content.ContentType.Alias}) has no configured tags property.");

        var state = StateOf(content);
        var format = await tagFormats.ForAsync(property.PropertyType);
        content.SetValue(tagging.TagsProperty, format.Encode(tags));
        // The tag tables are filled by Umbraco's save pipeline from the value. Both calls take the legacy int user id.
#pragma warning disable CS0618 // the int user ids are what Save and SaveAndPublish take
        var userId = actor.UserId ?? Constants.Security.SuperUserId;
#pragma warning restore CS0618
        if (state == PublishState.Published)
        {
            // "*" publishes the invariant content: the published version plus the tags, nothing else.
#pragma warning disable CS0618
            var published = contentService.SaveAndPublish(content, ["*"], userId);
#pragma warning restore CS0618
            if (!published.Success)
                throw new InvalidOperationException($"Umbraco did not republish content {key}: {published.Result}.");
            return TagWriteResult.Republished;
        }
        var saved = contentService.Save(content, userId);
        if (!saved.Success)
            throw new InvalidOperationException($"Umbraco did not save the draft of content {key}: {saved.Result}.");
        return TagWriteResult.SavedToDraft;
    }

    private delegate IEnumerable<IContent> PageReader(long pageIndex, out long total);

    private static IEnumerable<IContent> Paged(PageReader read)
    {
        for (long page = 0; ; page++)
        {
            var items = read(page, out var total).ToList();
            foreach (var item in items) yield return item;
            if (items.Count == 0 || (page + 1) * PageSize >= total) yield break;
        }
    }
}
