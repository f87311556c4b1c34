using System.Text.Json;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Feedback;
using DynamicCot.Plugin.Jobs;
using DynamicCot.Plugin.Tagging;
using DynamicCot.Plugin.Tests.TestDoubles;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Umbraco.Cms.Core.Models;
using UmbracoContent = Umbraco.Cms.Core.Models.Content;

namespace DynamicCot.Plugin.Tests;

/// <summary>The tags data type's lookups; a test can hold one to widen the window between the plugin's read and write.</summary>
public sealed class FormatLookups
{
    /// <summary>When set, the next lookup signals <see cref="Started"/> and then waits this long.</summary>
    public TimeSpan? DelayNext { get; set; }
    public SemaphoreSlim Started { get; } = new(0);

    public async Task<IDataType?> AnswerAsync(IDataType? dataType)
    {
        if (DelayNext is { } delay)
        {
            DelayNext = null;
            Started.Release();
            await Task.Delay(delay);
        }
        return dataType;
    }
}

/// <summary>
/// What Umbraco refuses and orders, and what an editor's concurrent work keeps: the content service model
/// (<see cref="UmbracoContentServiceModel"/>, rules from Umbraco.Cms.Core 18.3.1) with its scopes and content-tree lock.
/// </summary>
public sealed partial class UmbracoAutoTagTests
{
    private static readonly global::Umbraco.Cms.Core.Strings.IShortStringHelper Strings = ShortStrings;


    [Fact]
    public async Task An_editors_save_during_the_plugins_tag_write_is_neither_lost_nor_loses_the_tags()
    {
        await using var site = await Site.StartAsync();
        var item = site.Add("Quay", PublishState.Published, "[]");
        var tagger = site.Provider.GetRequiredService<ContentTagger>();
        var suggestions = await tagger.SuggestAsync(item.Key, CancellationToken.None);

        // The plugin's write reads the item, then looks up the tags format (held 400 ms), then saves.
        site.Lookups.DelayNext = TimeSpan.FromMilliseconds(400);
        var pluginWrite = Task.Run(() => tagger.ApplyAsync(item.Key, suggestions, new ContentActor(EditorId, "Eddie Editor"), CancellationToken.None));
        Assert.True(await site.Lookups.Started.WaitAsync(TimeSpan.FromSeconds(10)));
        // Meanwhile the editor saves a new body text, as the backoffice does: read the item, change it, save it.
        var editorSave = Task.Run(() =>
        {
            var content = site.Content.Service.GetById(item.Key)!;
            content.SetValue("body", "<p>The editor's new text</p>");
            Assert.True(site.Content.Service.Save(content, EditorId).Success);
        });
        await Task.WhenAll(pluginWrite, editorSave);

        var stored = site.Content.Load(item.Key)!;
        Assert.Equal("<p>The editor's new text</p>", stored.GetValue<string>("body"));
        Assert.Equal(["lighthouse", "harbour"], StoredTags(stored.GetValue<string>("keyphrases")));
        Assert.Equal(TagWriteResult.Republished, (await pluginWrite).Write);
        Assert.True(site.Content.Scopes.LongestLockWait > TimeSpan.FromMilliseconds(200)); // the editor's read waited for the lock
    }

    [Fact]
    public async Task A_tag_the_editor_adds_while_the_model_runs_survives_the_plugins_write()
    {
        await using var site = await Site.StartAsync();
        var item = site.Add("Quay", PublishState.Published, "[\"draft tag\"]");
        site.Suggester.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tagging = site.Provider.GetRequiredService<ContentTagger>().TagAsync(item.Key, new ContentActor(EditorId, "Eddie Editor"), CancellationToken.None);
        Assert.True(await site.Suggester.Answering.WaitAsync(TimeSpan.FromSeconds(10)));

        // The model is busy; the editor adds a tag and saves.
        var content = site.Content.Service.GetById(item.Key)!;
        content.SetValue("keyphrases", "[\"draft tag\",\"editor pick\"]");
        Assert.True(site.Content.Service.Save(content, EditorId).Success);
        site.Suggester.Hold.SetResult();
        var outcome = await tagging;

        Assert.Equal(TagOutcomeKind.Written, outcome.Kind);
        Assert.Equal(["draft tag", "editor pick", "lighthouse", "harbour"], StoredTags(site.Content.Load(item.Key)!.GetValue<string>("keyphrases")));
    }

    [Fact]
    public async Task A_plugin_added_tag_the_editor_deletes_in_umbracos_tags_editor_stays_deleted_and_is_recorded_as_rejected()
    {
        await using var site = await Site.StartAsync();
        var item = site.Add("Quay", PublishState.Published, "[]");
        var monitoring = site.Provider.GetRequiredKeyedService<JobStorage>(PluginHangfire.Key).GetMonitoringApi();
        site.Content.Service.SaveAndPublish(site.Content.Load(item.Key)!, [], EditorId);
        await Site.WaitUntilAsync(() => monitoring.SucceededListCount() >= 1, "the first auto-tag job");
        Assert.Equal(["lighthouse", "harbour"], StoredTags(site.Content.PublishedValue(item.Key, "keyphrases")));

        // The editor deletes "lighthouse" in the tags editor and publishes again; auto-tag runs again.
        var content = site.Content.Load(item.Key)!;
        content.SetValue("keyphrases", "[\"harbour\"]");
        site.Content.Service.SaveAndPublish(content, [], EditorId);
        await Site.WaitUntilAsync(() => monitoring.SucceededListCount() >= 2, "the second auto-tag job");

        Assert.Equal(["harbour"], StoredTags(site.Content.PublishedValue(item.Key, "keyphrases")));
        Assert.Equal(2, site.Suggester.Calls.Count); // the model proposed it again
        var rejected = await site.Provider.GetRequiredService<RejectedTagStore>().ListAsync(item.Key, CancellationToken.None);
        Assert.Equal("lighthouse", Assert.Single(rejected).Tag);
    }

    [Fact]
    public async Task Invariant_content_is_republished_with_no_cultures_as_umbraco_18_requires_and_the_model_refuses_what_umbraco_refuses()
    {
        await using var site = await Site.StartAsync();
        var item = site.Add("Quay", PublishState.Published, "[]");
        await site.Provider.GetRequiredService<ContentTagger>().TagAsync(item.Key, new ContentActor(EditorId, "Eddie Editor"), CancellationToken.None);

        var call = Assert.Single(site.Content.PublishCalls);
        Assert.Empty(call.Cultures);
        Assert.Equal(["lighthouse", "harbour"], StoredTags(site.Content.PublishedValue(item.Key, "keyphrases")));
        // What Umbraco 18.3.1 refuses (its SaveAndPublish contract and source), the model refuses.
        var loaded = site.Content.Load(item.Key)!;
        Assert.Throws<InvalidOperationException>(() => site.Content.Service.SaveAndPublish(loaded, ["*"], EditorId));
        var culture = Assert.Throws<ArgumentException>(() => site.Content.Service.SaveAndPublish(loaded, ["en-US"], EditorId));
        Assert.StartsWith("Cultures cannot be specified when publishing invariant content types.", culture.Message);
    }

    [Fact]
    public async Task Variant_content_republishes_only_the_cultures_that_are_published_and_clean()
    {
        await using var site = await Site.StartAsync();
        var type = new ContentType(Strings, -1) { Alias = "article", Name = "Article", Variations = ContentVariation.Culture };
        type.AddPropertyGroup("content", "Content");
        type.AddPropertyType(new PropertyType(Strings, "Umbraco.TextBox", ValueStorageType.Nvarchar, "body") { Name = "Body", Variations = ContentVariation.Culture }, "content");
        type.AddPropertyType(new PropertyType(Strings, global::Umbraco.Cms.Core.Constants.PropertyEditors.Aliases.Tags, ValueStorageType.Ntext, "keyphrases")
            { Name = "Keyphrases", DataTypeKey = TagsDataTypeKey }, "content");
        var content = new UmbracoContent("Lighthouse harbour", -1, type, "en-US") { Key = Guid.NewGuid() };
        content.SetCultureName("Fyrtårn havn", "da-DK");
        content.SetCultureName("Leuchtturm", "de-DE");
        content.SetValue("body", "calm harbour", "en-US");
        content.SetValue("body", "ny dansk tekst", "da-DK"); // pending edit: the published Danish text is older
        content.SetValue("body", "deutscher Entwurf", "de-DE"); // never published
        content.SetValue("keyphrases", "[]");
        var item = site.Content.AddVariant(content,
            draft: [],
            published: new()
            {
                ["en-US"] = new() { ["body"] = "calm harbour", ["keyphrases"] = "[]" },
                ["da-DK"] = new() { ["body"] = "gammel dansk tekst", ["keyphrases"] = "[]" },
            });
        Assert.False(item.IsCultureEdited("en-US"));
        Assert.True(item.IsCultureEdited("da-DK"));

        await site.Provider.GetRequiredService<ContentTagger>().TagAsync(item.Key, new ContentActor(EditorId, "Eddie Editor"), CancellationToken.None);

        var call = Assert.Single(site.Content.PublishCalls);
        Assert.Equal(["en-US"], call.Cultures);
        var after = site.Content.Load(item.Key)!;
        Assert.Equal(["lighthouse", "harbour"], StoredTags(site.Content.PublishedValue(item.Key, "keyphrases")));
        Assert.Equal("gammel dansk tekst", site.Content.PublishedValue(item.Key, "body", "da-DK")); // the Danish draft stays a draft
        Assert.True(after.IsCultureEdited("da-DK"));
        Assert.False(after.IsCulturePublished("de-DE"));
        Assert.False(after.IsCultureEdited("en-US"));
    }

    [Fact]
    public async Task A_culture_varying_tags_property_is_refused_with_a_clear_reason_and_nothing_is_written()
    {
        await using var site = await Site.StartAsync();
        var type = new ContentType(Strings, -1) { Alias = "article", Name = "Article", Variations = ContentVariation.Culture };
        type.AddPropertyGroup("content", "Content");
        type.AddPropertyType(new PropertyType(Strings, global::Umbraco.Cms.Core.Constants.PropertyEditors.Aliases.Tags, ValueStorageType.Ntext, "keyphrases")
            { Name = "Keyphrases", DataTypeKey = TagsDataTypeKey, Variations = ContentVariation.Culture }, "content");
        var content = new UmbracoContent("Lighthouse harbour", -1, type, "en-US") { Key = Guid.NewGuid() };
        var item = site.Content.AddVariant(content, draft: [], published: new() { ["en-US"] = new() });

        var error = await Assert.ThrowsAsync<ContentNotTaggableException>(() =>
            site.Provider.GetRequiredService<ContentTagger>().TagAsync(item.Key, new ContentActor(EditorId, "Eddie Editor"), CancellationToken.None));
        Assert.Contains("varies by culture", error.Message);
        Assert.Empty(site.Content.Operations);
    }
}
