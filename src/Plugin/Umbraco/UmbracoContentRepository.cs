using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Content;
using Microsoft.Extensions.Options;
using Umbraco.Cms.Core;
using Umbraco.Cms.Core.Models;
using Umbraco.Cms.Core.Services;

namespace DynamicCot.Plugin.Umbraco;

/// <summary>
/// The plugin's content access on a real Umbraco site, over <see cref="IContentService"/>. Invariant content: the
/// tags are written to the invariant value and the item is republished as a system (super) user.
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
            tagging is not null && content.Properties.Contains(tagging.TagsProperty) ? tagging.TagsProperty : null);
    }

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

    public async Task WriteTagsAndPublishAsync(Guid key, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        var content = contentService.GetById(key) ?? throw new InvalidOperationException($"Content {key} was deleted before its tags could be written.");
        if (!options.Value.DocumentTypes.TryGetValue(content.ContentType.Alias, out var tagging)
            || !content.Properties.TryGetValue(tagging.TagsProperty, out var property) || property is null)
            throw new InvalidOperationException($"Content {key} ({content.ContentType.Alias}) has no configured tags property.");

        var format = await tagFormats.ForAsync(property.PropertyType);
        content.SetValue(tagging.TagsProperty, format.Encode(tags));
        // "*" publishes the invariant content; the tag tables are filled by Umbraco's save pipeline from the value.
        // SaveAndPublish takes the legacy int user id; the super user's is the only one every site has.
#pragma warning disable CS0618
        var result = contentService.SaveAndPublish(content, ["*"], Constants.Security.SuperUserId);
#pragma warning restore CS0618
        if (!result.Success)
            throw new InvalidOperationException($"Umbraco did not publish content {key}: {result.Result}.");
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
