using System.Collections.Concurrent;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Tests.TestDoubles;
using DynamicCot.Plugin.Umbraco;
using DynamicCot.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Quartz;
using Umbraco.Cms.Core.Composing;
using Umbraco.Cms.Core.DependencyInjection;
using Umbraco.Cms.Core.Events;
using Umbraco.Cms.Core.Models;
using Umbraco.Cms.Core.Notifications;
using Umbraco.Cms.Core.PropertyEditors;
using Umbraco.Cms.Core.Services;
using Umbraco.Cms.Core.Strings;
using UmbracoContent = Umbraco.Cms.Core.Models.Content;

namespace DynamicCot.Plugin.Tests;

/// <summary>
/// The Umbraco adapter with real Umbraco.Cms.Core types: the composer run through <see cref="UmbracoBuilder"/>, a real
/// <see cref="Content"/> with a tags property, <see cref="ContentPublishedNotification"/> through a real
/// <see cref="EventAggregator"/> → Quartz job (SQLite) → tags written → SaveAndPublish, which publishes again like Umbraco.
/// Only IContentService / IDataTypeService are test doubles (their implementations need a database).
/// </summary>
public sealed class UmbracoAutoTagTests
{
    private static readonly IShortStringHelper ShortStrings = new DefaultShortStringHelper(new DefaultShortStringHelperConfig());
    private static readonly Guid TagsDataTypeKey = Guid.NewGuid();

    [Theory]
    [InlineData(TagsStorageType.Json, "[\"editor pick\",\"lighthouse\",\"harbour\",\"photo\"]")]
    [InlineData(TagsStorageType.Csv, "editor pick,lighthouse,harbour,photo")]
    public async Task Publishing_queues_a_job_that_writes_tags_in_the_stored_format_keeps_editor_tags_and_does_not_loop(TagsStorageType storage, string expected)
    {
        using var folder = TestPaths.NewTempFolder();
        var contentType = new ContentType(ShortStrings, -1) { Alias = "article", Name = "Article" };
        contentType.AddPropertyGroup("content", "Content");
        contentType.AddPropertyType(new PropertyType(ShortStrings, "Umbraco.TextBox", ValueStorageType.Nvarchar, "body") { Name = "Body" }, "content");
        contentType.AddPropertyType(new PropertyType(ShortStrings, "Umbraco.MediaPicker3", ValueStorageType.Ntext, "image") { Name = "Image" }, "content");
        contentType.AddPropertyType(new PropertyType(ShortStrings, global::Umbraco.Cms.Core.Constants.PropertyEditors.Aliases.Tags, ValueStorageType.Ntext, "keyphrases")
            { Name = "Keyphrases", DataTypeKey = TagsDataTypeKey }, "content");
        var content = new UmbracoContent("Lighthouse", -1, contentType) { Key = Guid.NewGuid() };
        content.SetValue("body", "<p>The harbour lighthouse at dusk</p>");
        var mediaKey = Guid.NewGuid();
        content.SetValue("image", $"[{{\"key\":\"{Guid.NewGuid()}\",\"mediaKey\":\"{mediaKey}\"}}]");
        var editorTags = storage == TagsStorageType.Json ? "[\"editor pick\"]" : "editor pick";
        content.SetValue("keyphrases", editorTags);

        var publishes = new ConcurrentQueue<string?>();
        IEventAggregator? events = null;
        var contentService = InterfaceStub<IContentService>.Create(
            ("GetById(Guid)", args => (Guid)args[0]! == content.Key ? content : (object?)null),
            ("SaveAndPublish", args =>
            {
                var saved = (IContent)args[0]!;
                publishes.Enqueue(saved.GetValue<string>("keyphrases"));
                // Umbraco raises Published inside SaveAndPublish, on the caller's flow.
                events!.PublishAsync(new ContentPublishedNotification(saved, new EventMessages())).GetAwaiter().GetResult();
                return (object?)new PublishResult(PublishResultType.SuccessPublish, new EventMessages(), saved);
            }));
        // The tags data type as the backoffice saves it: configuration data with storageType.
        var tagsDataType = InterfaceStub<IDataType>.Create(
            ("get_ConfigurationObject", _ => null),
            ("get_ConfigurationData", _ => new Dictionary<string, object> { ["storageType"] = storage.ToString(), ["group"] = "default" }));
        var dataTypes = InterfaceStub<IDataTypeService>.Create(("GetAsync(Guid)", args =>
            Task.FromResult<IDataType?>((Guid)args[0]! == TagsDataTypeKey ? tagsDataType : null)));
        var suggester = new WordSuggester { MaxWords = 2 };

        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DynamicCot:JobStore:SqliteFolder"] = Path.Combine(folder.Path, "jobs"),
            ["DynamicCot:DocumentTypes:article:TagsProperty"] = "keyphrases",
            ["DynamicCot:DocumentTypes:article:TextProperties:0"] = "body",
            ["DynamicCot:DocumentTypes:article:ImageProperty"] = "image",
            ["DynamicCot:MinConfidence"] = "0.5",
            [Microsoft.Extensions.Hosting.HostDefaults.ContentRootKey] = folder.Path,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        // What the site's generic host provides; Quartz's hosted service needs it.
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostApplicationLifetime, Microsoft.Extensions.Hosting.Internal.ApplicationLifetime>();
        var assembly = typeof(DynamicCotComposer).Assembly;
        var typeFinder = new TypeFinder(NullLogger<TypeFinder>.Instance, new DefaultUmbracoAssemblyProvider(assembly, NullLoggerFactory.Instance, null), null, null);
        var builder = new UmbracoBuilder(services, config, new TypeLoader(typeFinder, NullLogger<TypeLoader>.Instance, [assembly]));
        new DynamicCotComposer().Compose(builder);
        services.AddSingleton(contentService);
        services.AddSingleton(InterfaceStub<IContentTypeService>.Create());
        services.AddSingleton(dataTypes);
        services.AddSingleton<IMediaBytesSource>(new MediaByKey(mediaKey, System.IO.File.ReadAllBytes(TestPaths.Data("flickr10", "images", "34694102243_3370955cf9_z.jpg"))));
        services.AddSingleton<IKeyphraseSuggester>(suggester);
        await using var provider = services.BuildServiceProvider();
        events = new EventAggregator(type => provider.GetService(type)!);

        var hosted = provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>().ToList();
        foreach (var service in hosted) await service.StartAsync(CancellationToken.None);
        ((Microsoft.Extensions.Hosting.Internal.ApplicationLifetime)provider.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>()).NotifyStarted();
        try
        {
            await events.PublishAsync(new ContentPublishedNotification(content, new EventMessages()));

            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (publishes.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(50);
            await Task.Delay(1500); // time for a second (looping) job, if the guard failed

            Assert.Equal(expected, Assert.Single(publishes));
            var call = Assert.Single(suggester.Calls);
            Assert.Contains("harbour lighthouse at dusk", call.Text);
            Assert.DoesNotContain("<p>", call.Text);
            Assert.NotNull(call.Image);
        }
        finally
        {
            foreach (var service in hosted.AsEnumerable().Reverse()) await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Tag_format_comes_from_the_data_type_configuration()
    {
        Assert.Equal(Tags.TagStorage.Csv, UmbracoTagFormats.FromConfiguration(new TagConfiguration { StorageType = TagsStorageType.Csv, Delimiter = ';' }, null).Storage);
        Assert.Equal(';', UmbracoTagFormats.FromConfiguration(new TagConfiguration { StorageType = TagsStorageType.Csv, Delimiter = ';' }, null).Delimiter);
        Assert.Equal(Tags.TagStorage.Json, UmbracoTagFormats.FromConfiguration(new TagConfiguration(), null).Storage);
        Assert.Equal(Tags.TagStorage.Csv, UmbracoTagFormats.FromConfiguration(null, new Dictionary<string, object> { ["storageType"] = "Csv" }).Storage);
    }

    private sealed class MediaByKey(Guid key, byte[] bytes) : IMediaBytesSource
    {
        public Task<ImageInput?> ReadAsync(string imageReference, CancellationToken cancellationToken) =>
            Task.FromResult(imageReference.Contains(key.ToString()) ? new ImageInput(bytes, "photo.jpg") : null);
    }
}
