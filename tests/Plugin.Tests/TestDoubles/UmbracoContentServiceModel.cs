using System.Collections.Concurrent;
using DynamicCot.Plugin.Content;
using Umbraco.Cms.Core.Events;
using Umbraco.Cms.Core.Models;
using Umbraco.Cms.Core.Notifications;
using Umbraco.Cms.Core.Services;
using Umbraco.Extensions;
using UmbracoContent = Umbraco.Cms.Core.Models.Content;

namespace DynamicCot.Plugin.Tests.TestDoubles;

/// <summary>
/// A model of Umbraco's content service for tests, over real <see cref="UmbracoContent"/> objects, keeping what Umbraco's
/// database keeps: each item's current (draft) version and, once published, its published version's values per culture.
/// Its rules come from Umbraco.Cms.Core 18.3.1 (the contract in its Umbraco.Core.xml, build 288e7ed) and the
/// implementation in umbraco/Umbraco-CMS (<c>src/Umbraco.Core/Services/ElementService.cs</c>, whose
/// <c>SaveAndPublish</c> ContentService shares through <c>PublishableContentServiceBase</c>):
/// <list type="bullet">
/// <item>Every call runs in a scope of <see cref="Scopes"/> (nested in the caller's, if any) and takes the content-tree
/// lock: reads a read lock, writes the write lock (so a caller holding the write lock in its own scope is never
/// interleaved with). Saved/Published notifications are raised when the outermost scope completes.</item>
/// <item><c>GetById</c> returns a copy, as a database read does: changes count only when saved.</item>
/// <item><c>Save</c> stores a new draft version; the item stays published or not, and is <c>Edited</c> (per culture, for a
/// variant type) where its draft differs from the published version.</item>
/// <item><c>SaveAndPublish(content, cultures, user)</c>: null cultures → <see cref="ArgumentNullException"/>; a wildcard
/// or null entry → <see cref="InvalidOperationException"/> ("wildcards or nulls are not allowed"); blank or duplicate
/// entries → <see cref="ArgumentException"/>; an invariant type with any culture → <see cref="ArgumentException"/>
/// ("Cultures cannot be specified when publishing invariant content types."); a variant type with none → saved, nothing
/// published; a variant type publishes the named cultures' values plus all invariant values; a trashed item →
/// <c>FailedPublishIsTrashed</c>; a cancelled Saving or Publishing notification → <c>FailedPublishCancelledByEvent</c>.</item>
/// </list>
/// Members the plugin does not use fail the test with their name (see <see cref="InterfaceStub{T}"/>). Not modelled:
/// validation of property values, mandatory cultures, schedules, branches.
/// </summary>
public sealed class UmbracoContentServiceModel
{
    private sealed class Row
    {
        public required IContent Stored;
        /// <summary>The published version's values by (alias, culture; "" for invariant values); null when none was ever published.</summary>
        public Dictionary<(string Alias, string Culture), string?>? PublishedValues;
    }

    private readonly ConcurrentDictionary<Guid, Row> _rows = new();
    private readonly object _gate = new();
    private int _nextId = 1000;
    private int _nextVersion = 1;

    public UmbracoContentServiceModel()
    {
        Service = InterfaceStub<IContentService>.Create(
            ("GetById(Guid)", args => InScope(read: true, _ => Load((Guid)args[0]!))),
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

    public UmbracoScopeModel Scopes { get; } = new();

    /// <summary>Raises notifications; set once the container exists.</summary>
    public IEventAggregator? Events
    {
        get => Scopes.Events;
        set => Scopes.Events = value;
    }

    /// <summary>Every write: item, "Save" or "SaveAndPublish", and the user id it was attributed to.</summary>
    public ConcurrentQueue<(Guid Key, string Operation, int UserId)> Operations { get; } = new();

    /// <summary>The cultures each SaveAndPublish was asked to publish, in order.</summary>
    public ConcurrentQueue<(Guid Key, string[] Cultures)> PublishCalls { get; } = new();

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
                    row.PublishedValues = (publishedValues ?? throw new ArgumentException("A published item with pending changes needs its published values.", nameof(publishedValues)))
                        .ToDictionary(kv => (kv.Key, ""), kv => kv.Value);
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

    /// <summary>
    /// Adds a culture-variant item: every culture in <paramref name="draft"/> has a name and values; those in
    /// <paramref name="published"/> have a published version with those values (a culture whose draft differs is edited).
    /// </summary>
    public IContent AddVariant(UmbracoContent content, Dictionary<string, Dictionary<string, string?>> draft, Dictionary<string, Dictionary<string, string?>> published)
    {
        lock (_gate)
        {
            content.Id = _nextId++;
            content.VersionId = _nextVersion++;
            content.Path = $"-1,{content.Id}";
            var row = new Row { Stored = content, PublishedValues = published.Count == 0 ? null : new() };
            foreach (var (culture, values) in published)
            {
                foreach (var (alias, value) in values)
                    row.PublishedValues![(alias, VariesByCulture(content, alias) ? culture : "")] = value;
                content.SetPublishInfo(culture, content.GetCultureName(culture) ?? culture, DateTime.UtcNow);
            }
            content.Published = published.Count > 0;
            content.PublishedVersionId = published.Count > 0 ? content.VersionId : 0;
            MarkEdited(content, row);
            _rows[content.Key] = row;
            return Load(content.Key)!;
        }
    }

    /// <summary>The stored item (a copy).</summary>
    public IContent? Load(Guid key) => _rows.TryGetValue(key, out var row) ? (IContent)row.Stored.DeepClone() : null;

    /// <summary>The published version's value of a property (of a culture, for a variant property), or null when nothing is published.</summary>
    public string? PublishedValue(Guid key, string alias, string? culture = null) =>
        _rows.TryGetValue(key, out var row) && row.Stored.Published && row.PublishedValues is { } values
            ? values.GetValueOrDefault((alias, culture ?? "")) : null;

    public int Count(Guid key, string operation) => Operations.Count(o => o.Key == key && o.Operation == operation);

    private object? InScope(bool read, Func<UmbracoScopeModel.Scope, object?> body)
    {
        var scope = Scopes.Create();
        try
        {
            if (read) scope.ReadLock(); else scope.WriteLock();
            var result = body(scope);
            scope.Complete();
            return result;
        }
        finally
        {
            scope.Dispose();
        }
    }

    private object Save(IContent content, int userId) => InScope(read: false, scope =>
    {
        var messages = new EventMessages();
        if (scope.Proxy.Notifications.PublishCancelable(new ContentSavingNotification(content, messages)))
            return new OperationResult(OperationResultType.FailedCancelledByEvent, messages);
        Store(scope, content, userId, "Save", publishCultures: null);
        scope.Proxy.Notifications.Publish(new ContentSavedNotification((IContent)content.DeepClone(), messages));
        return new OperationResult(OperationResultType.Success, messages);
    })!;

    private object SaveAndPublish(IContent content, string[] cultures, int userId)
    {
        ArgumentNullException.ThrowIfNull(cultures);
        if (cultures.Any(c => c is null || c == "*"))
            throw new InvalidOperationException("Only valid cultures are allowed to be used in this method, wildcards or nulls are not allowed");
        if (cultures.Any(string.IsNullOrWhiteSpace) || cultures.Distinct().Count() != cultures.Length)
            throw new ArgumentException("Cultures cannot be null or whitespace, and must be distinct.", nameof(cultures));
        if (content.PublishedState is not (PublishedState.Published or PublishedState.Unpublished))
            throw new InvalidOperationException("Cannot save-and-publish (un)publishing content, use the dedicated commit method.");
        var varies = content.ContentType.VariesByCulture();
        if (!varies && cultures.Length > 0)
            throw new ArgumentException("Cultures cannot be specified when publishing invariant content types.", nameof(cultures));
        PublishCalls.Enqueue((content.Key, cultures));
        return InScope(read: false, scope =>
        {
            var messages = new EventMessages();
            if (_rows[content.Key].Stored.Trashed)
                return new PublishResult(PublishResultType.FailedPublishIsTrashed, messages, content);
            if (scope.Proxy.Notifications.PublishCancelable(new ContentSavingNotification(content, messages)))
                return new PublishResult(PublishResultType.FailedPublishCancelledByEvent, messages, content);
            if (varies && cultures.Length == 0)
            {
                // "Passing an empty array saves the content without publishing any culture."
                Store(scope, content, userId, "Save", publishCultures: null);
                scope.Proxy.Notifications.Publish(new ContentSavedNotification((IContent)content.DeepClone(), messages));
                return new PublishResult(PublishResultType.SuccessPublishAlready, messages, content);
            }
            if (scope.Proxy.Notifications.PublishCancelable(new ContentPublishingNotification(content, messages)))
                return new PublishResult(PublishResultType.FailedPublishCancelledByEvent, messages, content);
            var published = Store(scope, content, userId, "SaveAndPublish", publishCultures: cultures);
            scope.Proxy.Notifications.Publish(new ContentSavedNotification((IContent)published.DeepClone(), messages));
            scope.Proxy.Notifications.Publish(new ContentPublishedNotification((IContent)published.DeepClone(), messages));
            return new PublishResult(PublishResultType.SuccessPublish, messages, published);
        })!;
    }

    /// <param name="publishCultures">null: a save; empty: publish the invariant content; else the cultures to publish.</param>
    private IContent Store(UmbracoScopeModel.Scope scope, IContent content, int userId, string operation, string[]? publishCultures)
    {
        lock (_gate)
        {
            var row = _rows[content.Key];
            var before = (Stored: row.Stored, Published: row.PublishedValues);
            scope.OnRollback(() =>
            {
                row.Stored = before.Stored;
                row.PublishedValues = before.Published;
            });
            var stored = (IContent)content.DeepClone();
            stored.VersionId = _nextVersion++;
            stored.WriterId = userId;
            if (publishCultures is null)
            {
                stored.Published = row.Stored.Published;
                stored.PublishedVersionId = row.Stored.PublishedVersionId;
            }
            else
            {
                var values = new Dictionary<(string, string), string?>(row.PublishedValues ?? []);
                foreach (var property in stored.Properties)
                {
                    if (!property.PropertyType.VariesByCulture())
                        values[(property.Alias, "")] = property.GetValue()?.ToString();
                    else
                        foreach (var culture in publishCultures)
                            values[(property.Alias, culture)] = property.GetValue(culture)?.ToString();
                }
                row.PublishedValues = values;
                foreach (var culture in publishCultures)
                    stored.SetPublishInfo(culture, stored.GetCultureName(culture) ?? culture, DateTime.UtcNow);
                stored.Published = true;
                stored.PublishedVersionId = stored.VersionId;
                stored.PublishDate = DateTime.UtcNow;
            }
            MarkEdited(stored, row);
            row.Stored = stored;
            Operations.Enqueue((content.Key, operation, userId));
            return stored;
        }
    }

    /// <summary>Edited where the draft differs from the published version: per culture for a variant type (an invariant value that differs edits every culture).</summary>
    private static void MarkEdited(IContent content, Row row)
    {
        var published = row.PublishedValues;
        bool Differs(string alias, string culture, string? value) =>
            published is null || !published.TryGetValue((alias, culture), out var live) || live != value;
        var invariantEdited = !content.Published || content.Properties.Where(p => !p.PropertyType.VariesByCulture())
            .Any(p => Differs(p.Alias, "", p.GetValue()?.ToString()));
        if (!content.ContentType.VariesByCulture())
        {
            content.Edited = invariantEdited;
            return;
        }
        var edited = content.AvailableCultures.Where(culture => !content.IsCulturePublished(culture) || invariantEdited
            || content.Properties.Where(p => p.PropertyType.VariesByCulture()).Any(p => Differs(p.Alias, culture, p.GetValue(culture)?.ToString()))).ToList();
        content.SetCultureEdited(edited);
        content.Edited = edited.Count > 0;
    }

    private static bool VariesByCulture(IContent content, string alias) =>
        content.Properties.TryGetValue(alias, out var property) && property!.PropertyType.VariesByCulture();

    private static void Mark(IContent content, bool published, bool edited, int publishedVersion)
    {
        content.Published = published;
        content.Edited = edited;
        content.PublishedVersionId = publishedVersion;
        if (published) content.PublishDate = DateTime.UtcNow;
    }

    private static Dictionary<(string Alias, string Culture), string?> Values(IContent content) =>
        content.Properties.ToDictionary(p => (p.Alias, ""), p => p.GetValue()?.ToString());
}
