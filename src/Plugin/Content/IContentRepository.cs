namespace DynamicCot.Plugin.Content;

/// <summary>
/// The small slice of a CMS the plugin's jobs need. Umbraco's implementation wraps <c>IContentService</c>; the demo host
/// keeps content in SQLite. Keys are the content items' Guid keys.
/// </summary>
public interface IContentRepository
{
    /// <returns>The item, or null when no item has this key.</returns>
    Task<TaggableItem?> GetAsync(Guid key, CancellationToken cancellationToken);

    /// <summary>Keys of the items a bulk job covers, in a stable order.</summary>
    Task<IReadOnlyList<Guid>> ListKeysAsync(ContentSelection selection, CancellationToken cancellationToken);

    /// <summary>Stores the tags in the item's tags property (in its stored format) and publishes the item.</summary>
    Task WriteTagsAndPublishAsync(Guid key, IReadOnlyList<string> tags, CancellationToken cancellationToken);
}

/// <summary>Reads the bytes of an item's image from the CMS's media storage.</summary>
public interface IMediaBytesSource
{
    /// <param name="imageReference">The image property's value (a media key, a picker's JSON, a file path, …).</param>
    /// <returns>The image, or null when the reference points at nothing.</returns>
    Task<Keyphrases.Suggestions.ImageInput?> ReadAsync(string imageReference, CancellationToken cancellationToken);
}

/// <summary>What the plugin reads from one content item.</summary>
/// <param name="Text">The item's name and text properties, joined, markup removed.</param>
/// <param name="ImageReference">The image property's raw value, or null.</param>
/// <param name="Tags">The tags the item has now.</param>
/// <param name="TagsProperty">Alias of the tags property, or null when the document type is not configured for tagging.</param>
public sealed record TaggableItem(
    Guid Key,
    string DocumentType,
    string Name,
    string Text,
    string? ImageReference,
    IReadOnlyList<string> Tags,
    string? TagsProperty);

/// <summary>Which items a bulk job covers: a subtree, a document type, both (intersection), or everything.</summary>
public sealed record ContentSelection(Guid? RootKey, string? DocumentType, bool AllContent)
{
    public bool IsEmpty => RootKey is null && string.IsNullOrWhiteSpace(DocumentType) && !AllContent;

    public override string ToString() =>
        AllContent && RootKey is null && DocumentType is null ? "all content"
        : string.Join(", ", new[] { RootKey is { } r ? $"subtree {r}" : null, DocumentType is { } d ? $"type {d}" : null }.OfType<string>());
}
