using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Tagging;
using Microsoft.Extensions.Options;
using Umbraco.Cms.Core;
using Umbraco.Cms.Core.Models;
using Umbraco.Cms.Core.Scoping;
using Umbraco.Cms.Core.Services;
using Umbraco.Extensions;

namespace DynamicCot.Plugin.Umbraco;

/// <summary>
/// The plugin's content access on a real Umbraco site, over <see cref="IContentService"/>. A tag write is one
/// <see cref="ICoreScope"/> holding Umbraco's content-tree write lock (<c>Constants.Locks.ContentTree</c>, the lock
/// every save and publish of the content service takes): the item is read, merged and saved inside it, so no editor's
/// save can land between the read and the write. The nested save/publish calls join the scope; their notifications are
/// raised when the scope completes, after the commit (Umbraco.Core.xml of Umbraco.Cms.Core 18.3.1,
/// <c>IScopedNotificationPublisher.Publish</c>: "published upon successful completion of the current scope").
/// <para>
/// The publish state is the editor's: for an invariant document type, only an item published without pending changes
/// (<c>Published &amp;&amp; !Edited</c>) is republished, once, with <c>SaveAndPublish(content, [], user)</c> (the 18.3.1
/// contract: "For invariant content types, culturesToPublish must be empty"; wildcards are refused). For a
/// culture-variant type, the cultures that are published and not edited are republished, by name; a culture with
/// pending edits or never published stays as it is (the tags reach its draft). Every other item gets the tags in its
/// draft (<c>Save</c>), so nothing unpublished goes live and no pending edit is published. Writes are attributed to the
/// given user (the publishing editor, or the user who started the bulk job).
/// </para>
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
    ICoreScopeProvider scopes,
    IContentTypeService contentTypeService,
    UmbracoTagFormats tagFormats,
    IOptions<DynamicCotOptions> options) : IContentRepository
{
    private const int PageSize = 500;
    private static readonly Ordering ByPath = Ordering.By("path");

    public async Task<TaggableItem?> GetAsync(Guid key, CancellationToken cancellationToken) =>
        contentService.GetById(key) is { } content ? await ReadAsync(content) : null;

    private async Task<TaggableItem> ReadAsync(IContent content)
    {
        var typeAlias = content.ContentType.Alias;
        options.Value.DocumentTypes.TryGetValue(typeAlias, out var tagging);

        // A culture-variant item is read in one language: its values vary by culture, and the model tags one text.
        var culture = TextCulture(content);
        object? Value(string alias) => content.Properties.TryGetValue(alias, out var p) && p is not null && p.PropertyType.VariesByCulture()
            ? content.GetValue(alias, culture) : content.GetValue(alias);
        var texts = new List<string> { (culture is null ? content.Name : content.GetCultureName(culture)) ?? "" };
        if (tagging is not null)
            texts.AddRange(tagging.TextProperties.Select(alias => TextExtraction.ToPlainText(Value(alias))));
        var image = tagging?.ImageProperty is { } imageAlias ? Value(imageAlias)?.ToString() : null;

        IReadOnlyList<string> tags = [];
        if (tagging is not null && content.Properties.TryGetValue(tagging.TagsProperty, out var property) && property is not null)
            tags = (await tagFormats.ForAsync(property.PropertyType)).Decode(property.GetValue());

        return new TaggableItem(content.Key, typeAlias, content.Name ?? "", TextExtraction.Join(texts), image, tags,
            tagging is not null && content.Properties.Contains(tagging.TagsProperty) ? tagging.TagsProperty : null, StateOf(content));
    }

    /// <summary>
    /// The language a culture-variant item is read in: its first culture that is published without pending changes
    /// (what the tags will be published with), else its first culture. Null for invariant content.
    /// </summary>
    private static string? TextCulture(IContent content)
    {
        if (!content.ContentType.VariesByCulture()) return null;
        return content.PublishedCultures.FirstOrDefault(c => !content.IsCultureEdited(c)) ?? content.AvailableCultures.FirstOrDefault();
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

    public async Task<TagUpdate> UpdateTagsAsync(Guid key, TagMergeStep merge, ContentActor actor, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateCoreScope();
        scope.WriteLock(Constants.Locks.ContentTree);
        var content = contentService.GetById(key) ?? throw new ContentNotTaggableException($"Content {key} was deleted before its tags could be written.");
        if (content.Trashed) throw new ContentNotTaggableException($"Content {key} is in the recycle bin.");
        if (!options.Value.DocumentTypes.TryGetValue(content.ContentType.Alias, out var tagging)
            || !content.Properties.TryGetValue(tagging.TagsProperty, out var property) || property is null)
            throw new ContentNotTaggableException($"Content {key} ({content.ContentType.Alias}) has no configured tags property.");
        if (property.PropertyType.VariesByCulture())
            throw new ContentNotTaggableException(
                $"The tags property '{tagging.TagsProperty}' of '{content.ContentType.Alias}' varies by culture; the plugin writes invariant tags properties only (make it shared between cultures).");

        var current = await ReadAsync(content);
        var tags = await merge(current, cancellationToken);
        if (tags is null || tags.SequenceEqual(current.Tags))
        {
            scope.Complete();
            return new TagUpdate(current.Tags, current.Tags, null);
        }

        // Decided before the value changes: which published versions are clean (the draft is what is live).
        var republish = CulturesToRepublish(content);
        var format = await tagFormats.ForAsync(property.PropertyType);
        content.SetValue(tagging.TagsProperty, format.Encode(tags));
        // The tag tables are filled by Umbraco's save pipeline from the value. Both calls take the legacy int user id.
#pragma warning disable CS0618 // the int user ids are what Save and SaveAndPublish take
        var userId = actor.UserId ?? Constants.Security.SuperUserId;
#pragma warning restore CS0618
        TagWriteResult result;
        if (republish is not null)
        {
            var published = contentService.SaveAndPublish(content, republish, userId);
            if (!published.Success)
                throw new InvalidOperationException($"Umbraco did not republish content {key}: {published.Result}.");
            result = TagWriteResult.Republished;
        }
        else
        {
            var saved = contentService.Save(content, userId);
            if (!saved.Success)
                throw new InvalidOperationException($"Umbraco did not save the draft of content {key}: {saved.Result}.");
            result = TagWriteResult.SavedToDraft;
        }
        scope.Complete();
        return new TagUpdate(current.Tags, tags, result);
    }

    /// <summary>
    /// The cultures argument of <c>SaveAndPublish</c> that republishes only what is live without pending changes, or
    /// null when nothing is: invariant content published and clean → an empty array (the invariant culture); variant
    /// content → the cultures published and not edited (<c>IsCulturePublished &amp;&amp; !IsCultureEdited</c>).
    /// </summary>
    public static string[]? CulturesToRepublish(IContent content)
    {
        if (!content.ContentType.VariesByCulture())
            return StateOf(content) == PublishState.Published ? [] : null;
        var clean = content.PublishedCultures.Where(culture => !content.IsCultureEdited(culture)).ToArray();
        return clean.Length > 0 ? clean : null;
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
