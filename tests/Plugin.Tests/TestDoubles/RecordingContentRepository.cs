using System.Collections.Concurrent;
using DynamicCot.Plugin.Content;

namespace DynamicCot.Plugin.Tests.TestDoubles;

/// <summary>
/// In-memory content for job tests (every item published without pending changes); counts tag writes per item so
/// "exactly once" can be checked. The publish states themselves are modelled by <see cref="UmbracoContentServiceModel"/>.
/// </summary>
public sealed class RecordingContentRepository : IContentRepository
{
    private readonly ConcurrentDictionary<Guid, TaggableItem> _items = new();
    private readonly List<Guid> _order = [];

    public ConcurrentDictionary<Guid, int> Writes { get; } = new();
    public HashSet<Guid> FailingKeys { get; } = [];

    public Guid Add(string text, string documentType = "post")
    {
        var key = Guid.NewGuid();
        _items[key] = new TaggableItem(key, documentType, text, text, null, [], "tags");
        lock (_order) _order.Add(key);
        return key;
    }

    public IReadOnlyList<Guid> Keys { get { lock (_order) return _order.ToList(); } }

    public TaggableItem this[Guid key] => _items[key];

    public Task<TaggableItem?> GetAsync(Guid key, CancellationToken cancellationToken) =>
        Task.FromResult(_items.TryGetValue(key, out var item) ? item : null);

    public Task<IReadOnlyList<Guid>> ListKeysAsync(ContentSelection selection, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Guid>>(Keys.Where(k => selection.DocumentType is null || _items[k].DocumentType == selection.DocumentType).ToList());

    /// <summary>Who each write was attributed to, in order.</summary>
    public ConcurrentQueue<(Guid Key, ContentActor Actor)> Actors { get; } = new();

    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>Reads, merges and writes under one lock, as the CMS adapters do.</summary>
    public async Task<TagUpdate> UpdateTagsAsync(Guid key, TagMergeStep merge, ContentActor actor, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var current = _items[key];
            var tags = await merge(current, cancellationToken);
            if (tags is null || tags.SequenceEqual(current.Tags)) return new TagUpdate(current.Tags, current.Tags, null);
            if (FailingKeys.Contains(key)) throw new InvalidOperationException($"Publishing {key} was refused by the CMS.");
            Writes.AddOrUpdate(key, 1, (_, n) => n + 1);
            Actors.Enqueue((key, actor));
            _items[key] = current with { Tags = tags };
            return new TagUpdate(current.Tags, tags, TagWriteResult.Republished);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Deletes an item, but its key stays listed: as an item deleted after a bulk job listed it.</summary>
    public void Delete(Guid key) => _items.TryRemove(key, out _);

    /// <summary>Moves an item to the recycle bin.</summary>
    public void Trash(Guid key) => _items[key] = _items[key] with { State = PublishState.Trashed };

    /// <summary>Makes an item's document type one with no tags property configured.</summary>
    public void Unconfigure(Guid key) => _items[key] = _items[key] with { DocumentType = "page", TagsProperty = null };

    /// <summary>An editor's own change of an item's tags (what they type in the CMS's tags editor).</summary>
    public void SetTags(Guid key, IReadOnlyList<string> tags) => _items[key] = _items[key] with { Tags = tags };
}
