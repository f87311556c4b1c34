using System.Collections.Concurrent;
using System.Text.Json;
using DynamicCot.Inference.Generation;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Feedback;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Jobs;
using DynamicCot.Plugin.Serving;
using DynamicCot.Plugin.Tests.TestDoubles;
using DynamicCot.Plugin.Umbraco;
using DynamicCot.Tests.Shared;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Umbraco.Cms.Core.Composing;
using Umbraco.Cms.Core.DependencyInjection;
using Umbraco.Cms.Core.Events;
using Umbraco.Cms.Core.Models;
using Umbraco.Cms.Core.Models.Membership;
using Umbraco.Cms.Core.Notifications;
using Umbraco.Cms.Core.PropertyEditors;
using Umbraco.Cms.Core.Security;
using Umbraco.Cms.Core.Services;
using Umbraco.Cms.Core.Strings;
using UmbracoContent = Umbraco.Cms.Core.Models.Content;

namespace DynamicCot.Plugin.Tests;

/// <summary>
/// The Umbraco adapter with real Umbraco.Cms.Core types: the composer run through <see cref="UmbracoBuilder"/>, real
/// <see cref="UmbracoContent"/> items with a tags property in every publish state, <see cref="ContentPublishedNotification"/>
/// through a real <see cref="EventAggregator"/> → Hangfire job (SQLite) → tags written. Umbraco's content service is
/// <see cref="UmbracoContentServiceModel"/> (its implementation needs a database): drafts, published versions,
/// <c>Published</c>/<c>Edited</c>, and the published notification raised inside <c>SaveAndPublish</c>.
/// </summary>
public sealed partial class UmbracoAutoTagTests
{
    private static readonly IShortStringHelper ShortStrings = new DefaultShortStringHelper(new DefaultShortStringHelperConfig());
    private static readonly Guid TagsDataTypeKey = Guid.NewGuid();
    private const int EditorId = 5;

    /// <summary>A site with the plugin composed in, Hangfire's server running, and the content service model.</summary>
    private sealed class Site : IAsyncDisposable
    {
        private readonly List<IHostedService> _hosted = [];
        public required TempFolder Folder { get; init; }
        public required ServiceProvider Provider { get; init; }
        public required UmbracoContentServiceModel Content { get; init; }
        /// <summary>The stand-in engine; registered unless the site was started with a real one.</summary>
        public required WordSuggester Suggester { get; init; }
        public required ContentType Article { get; init; }
        /// <summary>How often another package's published-notification handler ran, per item (a search indexer, a webhook).</summary>
        public required ConcurrentDictionary<Guid, int> OtherHandlerRuns { get; init; }
        public required IEventAggregator Events { get; init; }
        /// <summary>The tags data type's lookups, which a test can slow down to widen a race window.</summary>
        public required FormatLookups Lookups { get; init; }

        public static async Task<Site> StartAsync(TagsStorageType storage = TagsStorageType.Json, IKeyphraseSuggester? engine = null, double minConfidence = 0.5)
        {
            var folder = TestPaths.NewTempFolder();
            var article = new ContentType(ShortStrings, -1) { Alias = "article", Name = "Article" };
            article.AddPropertyGroup("content", "Content");
            article.AddPropertyType(new PropertyType(ShortStrings, "Umbraco.TextBox", ValueStorageType.Nvarchar, "body") { Name = "Body" }, "content");
            article.AddPropertyType(new PropertyType(ShortStrings, "Umbraco.MediaPicker3", ValueStorageType.Ntext, "image") { Name = "Image" }, "content");
            article.AddPropertyType(new PropertyType(ShortStrings, global::Umbraco.Cms.Core.Constants.PropertyEditors.Aliases.Tags, ValueStorageType.Ntext, "keyphrases")
                { Name = "Keyphrases", DataTypeKey = TagsDataTypeKey }, "content");

            var model = new UmbracoContentServiceModel();
            // The tags data type as the backoffice saves it: configuration data with storageType.
            var tagsDataType = InterfaceStub<IDataType>.Create(
                ("get_ConfigurationObject", _ => null),
                ("get_ConfigurationData", _ => new Dictionary<string, object> { ["storageType"] = storage.ToString(), ["group"] = "default" }));
            var lookups = new FormatLookups();
            var dataTypes = InterfaceStub<IDataTypeService>.Create(("GetAsync(Guid)", args => lookups.AnswerAsync((Guid)args[0]! == TagsDataTypeKey ? tagsDataType : null)));
            // The editor signed in to the backoffice, whose publish queues auto-tag.
            var editor = InterfaceStub<IUser>.Create(("get_Id", _ => EditorId), ("get_Name", _ => "Eddie Editor"), ("get_Username", _ => "eddie"));
            var security = InterfaceStub<IBackOfficeSecurity>.Create(("get_CurrentUser", _ => editor));
            var accessor = InterfaceStub<IBackOfficeSecurityAccessor>.Create(("get_BackOfficeSecurity", _ => security));

            var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["DynamicCot:JobStore:SqliteFolder"] = Path.Combine(folder.Path, "jobs"),
                ["DynamicCot:DocumentTypes:article:TagsProperty"] = "keyphrases",
                ["DynamicCot:DocumentTypes:article:TextProperties:0"] = "body",
                ["DynamicCot:DocumentTypes:article:ImageProperty"] = "image",
                ["DynamicCot:MinConfidence"] = minConfidence.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["DynamicCot:Throttle:MaxItemsPerSecond"] = "1000",
                ["DynamicCot:Throttle:BulkBatchSize"] = "2",
                [HostDefaults.ContentRootKey] = folder.Path,
            }).Build();
            var services = new ServiceCollection();
            services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
            // What the site's generic host provides; Hangfire's hosted server starts when the application has started.
            services.AddSingleton<IHostApplicationLifetime, Microsoft.Extensions.Hosting.Internal.ApplicationLifetime>();
            var assembly = typeof(DynamicCotComposer).Assembly;
            var typeFinder = new TypeFinder(NullLogger<TypeFinder>.Instance, new DefaultUmbracoAssemblyProvider(assembly, NullLoggerFactory.Instance, null), null, null);
            var builder = new UmbracoBuilder(services, config, new TypeLoader(typeFinder, NullLogger<TypeLoader>.Instance, [assembly]));
            new DynamicCotComposer().Compose(builder);
            var otherRuns = new ConcurrentDictionary<Guid, int>();
            builder.AddNotificationHandler<ContentPublishedNotification, OtherPackagesPublishedHandler>();
            services.AddSingleton(otherRuns);
            services.AddSingleton(model.Service);
            services.AddSingleton(model.Scopes.Provider);
            services.AddSingleton(InterfaceStub<IContentTypeService>.Create());
            services.AddSingleton(dataTypes);
            services.AddSingleton(accessor);
            var suggester = new WordSuggester { MaxWords = 2 };
            services.AddSingleton<IMediaBytesSource>(new NoImages());
            services.AddSingleton<IKeyphraseSuggester>(engine ?? suggester);
            var provider = services.BuildServiceProvider();
            var events = new EventAggregator(type => provider.GetService(type)!);
            model.Events = events;

            var site = new Site { Folder = folder, Provider = provider, Content = model, Suggester = suggester, Article = article, OtherHandlerRuns = otherRuns, Events = events, Lookups = lookups };
            site._hosted.AddRange(provider.GetServices<IHostedService>());
            foreach (var service in site._hosted) await service.StartAsync(CancellationToken.None);
            ((Microsoft.Extensions.Hosting.Internal.ApplicationLifetime)provider.GetRequiredService<IHostApplicationLifetime>()).NotifyStarted();
            return site;
        }

        public IContent Add(string name, PublishState state, string draftTags, string? publishedTags = null)
        {
            var content = new UmbracoContent(name, -1, Article) { Key = Guid.NewGuid() };
            content.SetValue("body", $"<p>The {name.ToLowerInvariant()} harbour lighthouse at dusk</p>");
            content.SetValue("keyphrases", draftTags);
            Dictionary<string, string?>? published = publishedTags is null ? null
                : new() { ["body"] = $"<p>The {name.ToLowerInvariant()} harbour lighthouse at dusk</p>", ["image"] = null, ["keyphrases"] = publishedTags };
            return Content.Add(content, state, published);
        }

        /// <summary>Starts a bulk retag of all content as the editor and waits until it has finished (or the time is up).</summary>
        public async Task<BulkJobView> RetagAllAsync(TimeSpan timeout)
        {
            var jobs = Provider.GetRequiredService<BulkJobService>();
            var job = await jobs.StartAsync(new ContentSelection(null, null, true), new ContentActor(EditorId, "Eddie Editor"), CancellationToken.None);
            var deadline = DateTime.UtcNow + timeout;
            BulkJobView view;
            while (!(view = await jobs.GetAsync(job.Id, CancellationToken.None)).IsFinished && DateTime.UtcNow < deadline) await Task.Delay(100);
            return view;
        }

        /// <summary>Waits for the plugin's jobs to leave <paramref name="key"/> alone for a while after <paramref name="condition"/>.</summary>
        public static async Task WaitUntilAsync(Func<bool> condition, string what)
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!condition())
            {
                if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}");
                await Task.Delay(50);
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var service in Enumerable.Reverse(_hosted)) await service.StopAsync(CancellationToken.None);
            await Provider.DisposeAsync();
            Folder.Dispose();
        }
    }

    /// <summary>Another package's handler of the same notification, counting its runs per item.</summary>
    public sealed class OtherPackagesPublishedHandler(ConcurrentDictionary<Guid, int> runs) : INotificationHandler<ContentPublishedNotification>
    {
        public void Handle(ContentPublishedNotification notification)
        {
            foreach (var item in notification.PublishedEntities) runs.AddOrUpdate(item.Key, 1, (_, n) => n + 1);
        }
    }

    private sealed class NoImages : IMediaBytesSource
    {
        public Task<ImageInput?> ReadAsync(string imageReference, CancellationToken cancellationToken) => Task.FromResult<ImageInput?>(null);
    }

    [Theory]
    [InlineData(TagsStorageType.Json, "[\"editor pick\",\"lighthouse\",\"harbour\"]")]
    [InlineData(TagsStorageType.Csv, "editor pick,lighthouse,harbour")]
    public async Task The_editors_publish_queues_one_job_that_republishes_once_as_the_editor_in_the_stored_format_and_does_not_loop(TagsStorageType storage, string expected)
    {
        await using var site = await Site.StartAsync(storage);
        var draft = site.Add("Quay", PublishState.NeverPublished, storage == TagsStorageType.Json ? "[\"editor pick\"]" : "editor pick");

        // The editor publishes: Umbraco raises Published inside SaveAndPublish; the plugin's handler queues auto-tag.
        var result = site.Content.Service.SaveAndPublish(draft, [], EditorId);
        Assert.True(result.Success);
        await Site.WaitUntilAsync(() => site.Content.Count(draft.Key, "SaveAndPublish") >= 2, "the auto-tag write");
        await Task.Delay(1500); // time for a second (looping) job, if the guard failed

        var stored = site.Content.Load(draft.Key)!;
        Assert.Equal(expected, stored.GetValue<string>("keyphrases"));
        Assert.Equal(expected, site.Content.PublishedValue(draft.Key, "keyphrases"));
        Assert.True(stored.Published);
        Assert.False(stored.Edited);
        Assert.Equal(2, site.Content.Count(draft.Key, "SaveAndPublish")); // the editor's and the plugin's, no loop
        Assert.All(site.Content.Operations, o => Assert.Equal(EditorId, o.UserId)); // in the editor's name, not the super user's
        var call = Assert.Single(site.Suggester.Calls);
        Assert.Contains("harbour lighthouse at dusk", call.Text);
        Assert.DoesNotContain("<p>", call.Text);
        // Measured, not hidden: Umbraco has no way to write the tags into the editor's own publish after the fact, so
        // other packages' published handlers run once more for the plugin's republish (2 runs for 1 editor publish).
        Assert.Equal(2, site.OtherHandlerRuns[draft.Key]);
    }

    public static TheoryData<PublishState> States => new(Enum.GetValues<PublishState>());

    [Theory]
    [MemberData(nameof(States))]
    public async Task Auto_tag_leaves_every_publish_state_and_the_editors_pending_edits_as_they_were(PublishState state)
    {
        await using var site = await Site.StartAsync();
        var item = site.Add("Pier", state, "[\"draft tag\"]", publishedTags: state == PublishState.PublishedWithPendingChanges ? "[\"live tag\"]" : null);
        var before = site.Content.Load(item.Key)!;

        // As if the editor's publish queued it and the editor changed the item before the job ran.
        await site.Provider.GetRequiredService<IAutoTagQueue>().EnqueueAsync(item.Key, new ContentActor(EditorId, "Eddie Editor"), CancellationToken.None);
        if (state == PublishState.Trashed)
        {
            await Task.Delay(2000); // the job fails at once (bad input), writing nothing
            Assert.Empty(site.Content.Operations);
            return;
        }
        await Site.WaitUntilAsync(() => !site.Content.Operations.IsEmpty, "the auto-tag write");
        AssertTaggedKeepingState(site, item.Key, state, before);
    }

    [Fact]
    public async Task Bulk_retag_over_all_content_leaves_every_publish_state_as_it_was_and_republishes_only_the_clean_published_item_once()
    {
        await using var site = await Site.StartAsync();
        var items = Enum.GetValues<PublishState>().ToDictionary(s => s, s =>
            site.Add("Pier", s, "[\"draft tag\"]", publishedTags: s == PublishState.PublishedWithPendingChanges ? "[\"live tag\"]" : null));
        var before = items.ToDictionary(i => i.Key, i => site.Content.Load(i.Value.Key)!);

        var view = await site.RetagAllAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(BulkJobStatus.Completed, view.Status);
        Assert.Equal(4, view.Total); // the trashed item is not content of the site
        Assert.Equal(4, view.Done);
        foreach (var (state, item) in items.Where(i => i.Key != PublishState.Trashed))
            AssertTaggedKeepingState(site, item.Key, state, before[state]);
        Assert.Equal(0, site.Content.Count(items[PublishState.Trashed].Key, "Save") + site.Content.Count(items[PublishState.Trashed].Key, "SaveAndPublish"));
    }

    [Fact]
    public async Task A_rejected_tag_stays_off_the_item_through_the_editors_next_publish()
    {
        await using var site = await Site.StartAsync();
        var item = site.Add("Jetty", PublishState.Published, "[]");
        // The editor rejected the model's "lighthouse" for this item in the suggestion panel.
        await site.Provider.GetRequiredService<FeedbackStore>().AddAsync(item.Key, "jetty", null, [], ["Lighthouse"], [], CancellationToken.None);

        site.Content.Service.SaveAndPublish(site.Content.Load(item.Key)!, [], EditorId);
        await Site.WaitUntilAsync(() => site.Content.Count(item.Key, "SaveAndPublish") >= 2, "the auto-tag write");
        // The stand-in proposed "lighthouse" and "harbour" again; only "harbour" went on.
        Assert.Equal("[\"harbour\"]", site.Content.PublishedValue(item.Key, "keyphrases"));
        Assert.Equal(["lighthouse", "harbour"], site.Suggester.Calls.Select(c => WordSuggester.Words(c.Text).Take(2)).Single());
    }

    [Fact]
    public async Task A_rejected_tag_stays_off_the_item_through_publish_and_bulk_retag_with_the_real_engine()
    {
        // The real llama.cpp engine on a tiny real-architecture model (random weights, greedy and deterministic), as the
        // site's settings would start it; recorded, so "the model proposed it" and "the plugin kept it off" both show.
        using var models = new TinyModels();
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        await using var model = KeyphraseEngine.Start(LlamaSuggesterFactory.ToEngineOptions(new DynamicCotOptions
        {
            Engine = new EngineSettings { ModelPath = files.LanguageModel, MmprojPath = files.Projector, GpuLayers = 0, Threads = 2, ParallelRequests = 1 },
        }));
        var engine = new RecordingSuggester(model);
        await using var site = await Site.StartAsync(engine: engine, minConfidence: 0);
        // Two items with the same name and text: the model answers both alike.
        var control = site.Add("Jetty", PublishState.NeverPublished, "[]");
        var item = site.Add("Jetty", PublishState.NeverPublished, "[]");

        site.Content.Service.SaveAndPublish(site.Content.Load(control.Key)!, [], EditorId);
        await Site.WaitUntilAsync(() => site.Content.Count(control.Key, "SaveAndPublish") >= 2, "the control item's auto-tag write");
        var proposed = Assert.Single(engine.Answers).Result.Keyphrases.Select(k => k.Text).ToList();
        Assert.NotEmpty(proposed);
        Assert.Equal(proposed, StoredTags(site.Content.PublishedValue(control.Key, "keyphrases")));

        // The editor rejects the model's first tag for the other item in the suggestion panel, then publishes it.
        var rejected = proposed[0];
        await site.Provider.GetRequiredService<FeedbackStore>().AddAsync(item.Key, "jetty", null, [], [rejected], [], CancellationToken.None);
        site.Content.Service.SaveAndPublish(site.Content.Load(item.Key)!, [], EditorId);
        var monitoring = site.Provider.GetRequiredKeyedService<JobStorage>(PluginHangfire.Key).GetMonitoringApi();
        await Site.WaitUntilAsync(() => monitoring.SucceededListCount() >= 2, "the item's auto-tag job");
        Assert.Equal(2, engine.Answers.Count);
        Assert.Equal(proposed, engine.Answers.Last().Result.Keyphrases.Select(k => k.Text)); // the model proposed it again
        Assert.Equal(proposed.Skip(1), StoredTags(site.Content.Load(item.Key)!.GetValue<string>("keyphrases")));
        Assert.Equal(proposed.Count > 1 ? 2 : 1, site.Content.Count(item.Key, "SaveAndPublish")); // republished only for other tags

        // A bulk retag over the site: the model proposes it for both items again; it stays off the one it was rejected for.
        var view = await site.RetagAllAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(BulkJobStatus.Completed, view.Status);
        Assert.Equal(2, view.Done);
        Assert.Equal(4, engine.Answers.Count);
        Assert.All(engine.Answers.Skip(2), a => Assert.Contains(rejected, a.Result.Keyphrases.Select(k => k.Text)));
        Assert.DoesNotContain(rejected, StoredTags(site.Content.Load(item.Key)!.GetValue<string>("keyphrases")), StringComparer.OrdinalIgnoreCase);
        Assert.DoesNotContain(rejected, StoredTags(site.Content.PublishedValue(item.Key, "keyphrases")), StringComparer.OrdinalIgnoreCase);
        Assert.Contains(rejected, StoredTags(site.Content.Load(control.Key)!.GetValue<string>("keyphrases")));
        // Nothing changed for either item, so the bulk job republished neither.
        Assert.Equal(proposed.Count > 1 ? 2 : 1, site.Content.Count(item.Key, "SaveAndPublish"));
        Assert.Equal(2, site.Content.Count(control.Key, "SaveAndPublish"));
    }

    /// <summary>A JSON tags value as stored; nothing stored reads as no tags.</summary>
    private static string[] StoredTags(string? stored) => string.IsNullOrEmpty(stored) ? [] : JsonSerializer.Deserialize<string[]>(stored)!;

    /// <summary>Tags went where the state allows, the state is unchanged, and only a clean published item was republished (once).</summary>
    private static void AssertTaggedKeepingState(Site site, Guid key, PublishState state, IContent before)
    {
        var after = site.Content.Load(key)!;
        Assert.Equal(UmbracoContentRepository.StateOf(before), UmbracoContentRepository.StateOf(after));
        Assert.Equal(state, UmbracoContentRepository.StateOf(after));
        Assert.Equal("[\"draft tag\",\"lighthouse\",\"harbour\"]", after.GetValue<string>("keyphrases"));
        // The editor's other pending edits are untouched.
        Assert.Equal(before.GetValue<string>("body"), after.GetValue<string>("body"));
        var operations = site.Content.Operations.Where(o => o.Key == key).ToList();
        var write = Assert.Single(operations);
        Assert.Equal(EditorId, write.UserId);
        if (state == PublishState.Published)
        {
            Assert.Equal("SaveAndPublish", write.Operation);
            Assert.Equal(after.GetValue<string>("keyphrases"), site.Content.PublishedValue(key, "keyphrases"));
            Assert.False(after.Edited);
        }
        else
        {
            Assert.Equal("Save", write.Operation);
            // What is live stays what the editor published (nothing, or the published version's tags).
            Assert.Equal(state == PublishState.PublishedWithPendingChanges ? "[\"live tag\"]" : null, site.Content.PublishedValue(key, "keyphrases"));
            Assert.True(after.Edited);
        }
    }

    [Fact]
    public void Tag_format_comes_from_the_data_type_configuration()
    {
        Assert.Equal(Tagging.TagStorage.Csv, UmbracoTagFormats.FromConfiguration(new TagConfiguration { StorageType = TagsStorageType.Csv, Delimiter = ';' }, null).Storage);
        Assert.Equal(';', UmbracoTagFormats.FromConfiguration(new TagConfiguration { StorageType = TagsStorageType.Csv, Delimiter = ';' }, null).Delimiter);
        Assert.Equal(Tagging.TagStorage.Json, UmbracoTagFormats.FromConfiguration(new TagConfiguration(), null).Storage);
        Assert.Equal(Tagging.TagStorage.Csv, UmbracoTagFormats.FromConfiguration(null, new Dictionary<string, object> { ["storageType"] = "Csv" }).Storage);
    }
}
