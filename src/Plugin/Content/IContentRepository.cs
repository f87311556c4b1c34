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

    /// <summary>
    /// Changes the item's tags atomically with respect to every other write to the CMS's content: under the CMS's write
    /// lock it reads the item as stored now, asks <paramref name="merge"/> for the tags to store (null or the same tags:
    /// nothing is written) and stores them in the item's tags property (in its stored format), without taking
    /// publishing decisions from the editor: what was published without pending changes is republished once with the
    /// tags; anything else gets the tags in its draft and stays as it was. An editor's save waits for the lock, so it
    /// can neither be overwritten by the tags nor overwrite them unseen.
    /// </summary>
    /// <param name="actor">Who the write is attributed to in the CMS's audit trail.</param>
    /// <exception cref="Tagging.ContentNotTaggableException">The item is gone, trashed or has no tags property.</exception>
    Task<TagUpdate> UpdateTagsAsync(Guid key, TagMergeStep merge, ContentActor actor, CancellationToken cancellationToken);
}

/// <summary>Decides the tags to store from the item as it is stored at the moment of writing; null leaves it alone.</summary>
public delegate Task<IReadOnlyList<string>?> TagMergeStep(TaggableItem current, CancellationToken cancellationToken);

/// <summary>What <see cref="IContentRepository.UpdateTagsAsync"/> did.</summary>
/// <param name="Before">The tags the item had when the lock was taken.</param>
/// <param name="Tags">The tags it has now.</param>
/// <param name="Write">Where they went; null when nothing was written.</param>
public sealed record TagUpdate(IReadOnlyList<string> Before, IReadOnlyList<string> Tags, TagWriteResult? Write);

/// <summary>An item's publish state as the editor left it; tagging never changes it.</summary>
public enum PublishState
{
    /// <summary>A draft that was never published.</summary>
    NeverPublished,
    /// <summary>Published once, then unpublished.</summary>
    Unpublished,
    /// <summary>Published, and the draft has changes not yet published.</summary>
    PublishedWithPendingChanges,
    /// <summary>Published, and the draft is the published version.</summary>
    Published,
    /// <summary>In the recycle bin.</summary>
    Trashed,
}

/// <summary>Where tags went.</summary>
public enum TagWriteResult
{
    /// <summary>Saved to the draft; the publish state is unchanged.</summary>
    SavedToDraft,
    /// <summary>The item was published without pending changes and was republished once with its tags.</summary>
    Republished,
}

/// <summary>The user a write is attributed to (the CMS's audit trail); <see cref="System"/> when no user asked for it.</summary>
/// <param name="UserId">The CMS user's id; null = the CMS's system user.</param>
public sealed record ContentActor(int? UserId, string Name)
{
    public static readonly ContentActor System = new(null, "system");

    public override string ToString() => UserId is { } id ? $"{Name} (user {id})" : Name;
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
/// <param name="State">The publish state; tags read are the draft's (what the editor sees).</param>
public sealed record TaggableItem(
    Guid Key,
    string DocumentType,
    string Name,
    string Text,
    string? ImageReference,
    IReadOnlyList<string> Tags,
    string? TagsProperty,
    PublishState State = PublishState.Published);

/// <summary>Which items a bulk job covers: a subtree, a document type, both (intersection), or everything.</summary>
public sealed record ContentSelection(Guid? RootKey, string? DocumentType, bool AllContent)
{
    public bool IsEmpty => RootKey is null && string.IsNullOrWhiteSpace(DocumentType) && !AllContent;

    public override string ToString() =>
        AllContent && RootKey is null && DocumentType is null ? "all content"
        : string.Join(", ", new[] { RootKey is { } r ? $"subtree {r}" : null, DocumentType is { } d ? $"type {d}" : null }.OfType<string>());
}
