using System.Collections.Concurrent;
using DynamicCot.Plugin.Content;
using Umbraco.Cms.Core.Events;
using Umbraco.Cms.Core.Models;
using Umbraco.Cms.Core.Notifications;
using Umbraco.Cms.Core.Services;
using UmbracoContent = Umbraco.Cms.Core.Models.Content;

namespace DynamicCot.Plugin.Tests.TestDoubles;

/// <summary>
/// A model of Umbraco's content service for tests, over real <see cref="UmbracoContent"/> objects, keeping what Umbraco's
/// database keeps: each item's current (draft) version and, once published, its published version's values.
/// <list type="bullet">
/// <item><c>GetById</c> returns a copy, as a database read does: changes count only when saved.</item>
/// <item><c>Save</c> stores a new draft version; the item stays published or not, and is <c>Edited</c> when its draft
/// differs from the published version (always, when none is published).</item>
/// <item><c>SaveAndPublish</c> stores the draft and makes it the published version (<c>Published</c>, not
/// <c>Edited</c>), refuses trashed items, and raises <see cref="ContentPublishedNotification"/> on the caller's flow,
/// as Umbraco does inside the call.</item>
/// </list>
/// Members the plugin does not use fail the test with their name (see <see cref="InterfaceStub{T}"/>).
/// </summary>
public sealed class UmbracoContentServiceModel
{
    private sealed class Row
    {
        public required IContent Stored;
        public Dictionary<string, string?>? PublishedValues;
    }

    private readonly ConcurrentDictionary<Guid, Row> _rows = new();
    private readonly object _gate = new();
    private int _nextId = 1000;
    private int _nextVersion = 1;

    public UmbracoContentServiceModel()
    {
        Service = InterfaceStub<IContentService>.Create(
            ("GetById(Guid)", args => Load((Guid)args[0]!)),
            ("GetRootContent", _ => _rows.Values.Select(r => r.Stored.Key).Select(Load).OfType<IContent>().OrderBy(c => c.Id).ToList()),
            ("GetPagedDescendants", args =>
            {
                args[3] = 0L; // every item is at the root: no descendants
                return Array.Empty<IContent>();
            }),
            ("Save(IContent,Nullable`1,ContentScheduleCollection)", args => Save((IContent)args[0]!, (int?)args[1] ?? -1)),
            ("SaveAndPublish", args => SaveAndPublish((IContent)args[0]!, (string[])args[1]!, (int)args[2]!)));
    }

    public IContentService Service { get; }

    /// <summary>Raises the published notification; set once the container exists.</summary>
    public IEventAggregator? Events { get; set; }

    /// <summary>Every write: item, "Save" or "SaveAndPublish", and the user id it was attributed to.</summary>
    public ConcurrentQueue<(Guid Key, string Operation, int UserId)> Operations { get; } = new();

    /// <summary>Adds an item in a publish state, with the draft's values set on <paramref name="content"/> and the published version's given.</summary>
    /// <param name="publishedValues">The published version's values (for PublishedWithPendingChanges); null = the draft's.</param>
    public IContent Add(UmbracoContent content, PublishState state, Dictionary<string, string?>? publishedValues = null)
    {
        lock (_gate)
        {
            content.Id = _nextId++;
            content.VersionId = _nextVersion++;
            content.Path = $"-1,{content.Id}";
            var row = new Row { Stored = content };
            switch (state)
            {
                case PublishState.Published:
                    row.PublishedValues = Values(content);
                    Mark(content, published: true, edited: false, publishedVersion: content.VersionId);
                    break;
                case PublishState.PublishedWithPendingChanges:
                    row.PublishedValues = publishedValues ?? throw new ArgumentException("A published item with pending changes needs its published values.", nameof(publishedValues));
                    content.VersionId = _nextVersion++; // the draft is a version after the published one
                    Mark(content, published: true, edited: true, publishedVersion: content.VersionId - 1);
                    break;
                case PublishState.Unpublished:
                    Mark(content, published: false, edited: true, publishedVersion: content.VersionId);
                    break;
                case PublishState.NeverPublished:
                    Mark(content, published: false, edited: true, publishedVersion: 0);
                    content.PublishDate = null;
                    break;
                case PublishState.Trashed:
                    Mark(content, published: false, edited: true, publishedVersion: 0);
                    content.PublishDate = null;
                    content.Trashed = true;
                    content.Path = $"-20,{content.Id}";
                    break;
            }
            _rows[content.Key] = row;
            return Load(content.Key)!;
        }
    }

    /// <summary>The stored item (a copy).</summary>
    public IContent? Load(Guid key) => _rows.TryGetValue(key, out var row) ? (IContent)row.Stored.DeepClone() : null;

    /// <summary>The published version's value of a property, or null when nothing is published.</summary>
    public string? PublishedValue(Guid key, string alias) =>
        _rows.TryGetValue(key, out var row) && row.Stored.Published && row.PublishedValues is { } values ? values.GetValueOrDefault(alias) : null;

    public int Count(Guid key, string operation) => Operations.Count(o => o.Key == key && o.Operation == operation);

    private object Save(IContent content, int userId)
    {
        lock (_gate)
        {
            var row = _rows[content.Key];
            var stored = (IContent)content.DeepClone();
            stored.VersionId = _nextVersion++;
            stored.WriterId = userId;
            stored.Published = row.Stored.Published;
            stored.PublishedVersionId = row.Stored.PublishedVersionId;
            stored.Edited = row.PublishedValues is null || !row.Stored.Published || !Same(Values(stored), row.PublishedValues);
            row.Stored = stored;
            Operations.Enqueue((content.Key, "Save", userId));
        }
        return new OperationResult(OperationResultType.Success, new EventMessages());
    }

    private object SaveAndPublish(IContent content, string[] cultures, int userId)
    {
        if (cultures is not ["*"]) throw new NotSupportedException($"The model publishes invariant content only (\"*\"), not [{string.Join(", ", cultures)}].");
        IContent published;
        lock (_gate)
        {
            var row = _rows[content.Key];
            if (row.Stored.Trashed)
                return new PublishResult(PublishResultType.FailedPublishIsTrashed, new EventMessages(), content);
            published = (IContent)content.DeepClone();
            published.VersionId = _nextVersion++;
            published.WriterId = userId;
            Mark(published, published: true, edited: false, publishedVersion: published.VersionId);
            row.Stored = published;
            row.PublishedValues = Values(published);
            Operations.Enqueue((content.Key, "SaveAndPublish", userId));
        }
        // Umbraco raises Published inside SaveAndPublish, on the caller's flow.
        Events?.PublishAsync(new ContentPublishedNotification((IContent)published.DeepClone(), new EventMessages())).GetAwaiter().GetResult();
        return new PublishResult(PublishResultType.SuccessPublish, new EventMessages(), published);
    }

    private static void Mark(IContent content, bool published, bool edited, int publishedVersion)
    {
        content.Published = published;
        content.Edited = edited;
        content.PublishedVersionId = publishedVersion;
        if (published) content.PublishDate = DateTime.UtcNow;
    }

    private static Dictionary<string, string?> Values(IContent content) =>
        content.Properties.ToDictionary(p => p.Alias, p => p.GetValue()?.ToString());

    private static bool Same(Dictionary<string, string?> a, Dictionary<string, string?> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
