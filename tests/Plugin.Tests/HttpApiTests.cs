using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DynamicCot.Plugin.DemoHost;
using DynamicCot.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace DynamicCot.Plugin.Tests;

/// <summary>The plugin's HTTP API over a real Kestrel server (the demo host) on 127.0.0.1.</summary>
public sealed class HttpApiTests(DemoHostFixture host) : IClassFixture<DemoHostFixture>
{
    private const string Api = "/umbraco/dynamiccot/api/v1";
    private static readonly Guid VmuPost = DemoContentStore.KeyFor("vmu16-dev-473478254616387584");
    private static readonly string FlickrImage = TestPaths.Data("flickr10", "images", "34694102243_3370955cf9_z.jpg");

    private static MultipartFormDataContent Form(string? text = null, Guid? contentId = null, byte[]? image = null, string fileName = "photo.jpg")
    {
        var form = new MultipartFormDataContent();
        if (text is not null) form.Add(new StringContent(text), "text");
        if (contentId is not null) form.Add(new StringContent(contentId.ToString()!), "contentId");
        if (image is not null)
        {
            var file = new ByteArrayContent(image);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(file, "image", fileName);
        }
        return form;
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task Suggest_for_a_content_item_reads_its_text_and_image()
    {
        var response = await host.Client.PostAsync($"{Api}/suggest", Form(contentId: VmuPost));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Json(response);
        var keyphrases = body.GetProperty("keyphrases").EnumerateArray().ToList();
        Assert.NotEmpty(keyphrases);
        Assert.Contains(keyphrases, k => k.GetProperty("text").GetString() == "photo"); // the test double saw the image
        Assert.All(keyphrases, k => Assert.InRange(k.GetProperty("confidence").GetDouble(), 0, 1));
    }

    [Fact]
    public async Task Suggest_for_raw_text_and_an_uploaded_photo()
    {
        var response = await host.Client.PostAsync($"{Api}/suggest", Form("Spreetunnel under the river in Berlin", image: await File.ReadAllBytesAsync(FlickrImage)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var texts = (await Json(response)).GetProperty("keyphrases").EnumerateArray().Select(k => k.GetProperty("text").GetString()).ToList();
        Assert.Equal(["spreetunnel", "berlin", "river", "photo"], texts);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("not-an-image")]
    [InlineData("unknown-content")]
    [InlineData("bad-guid")]
    public async Task Bad_suggest_requests_get_4xx_problem_details_naming_the_field(string kind)
    {
        var (content, status, field) = kind switch
        {
            "empty" => (Form("   "), HttpStatusCode.BadRequest, "text"),
            "not-an-image" => (Form("hello", image: "just some text, not a picture"u8.ToArray(), fileName: "notes.jpg"), HttpStatusCode.BadRequest, "image"),
            "unknown-content" => (Form(contentId: Guid.NewGuid()), HttpStatusCode.NotFound, "contentId"),
            _ => (new MultipartFormDataContent { { new StringContent("not-a-guid"), "contentId" } }, HttpStatusCode.BadRequest, "ContentId"),
        };
        var response = await host.Client.PostAsync($"{Api}/suggest", content);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await Json(response)).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"errors should name {field}: {errors}");
    }

    [Fact]
    public async Task A_50_MB_upload_is_refused_with_413_naming_the_image()
    {
        var big = new byte[50 * 1024 * 1024];
        big[0] = 0xFF; big[1] = 0xD8; big[2] = 0xFF;
        var response = await host.Client.PostAsync($"{Api}/suggest", Form("big", image: big));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("limit is 20.0 MB", (await Json(response)).GetProperty("errors").GetProperty("image")[0].GetString());
    }

    [Fact]
    public async Task An_overloaded_engine_answers_503_with_retry_after()
    {
        var suggester = new TestDoubles.WordSuggester { Overloaded = true };
        await using var app = await StartWith(suggester);
        var response = await app.Client.PostAsync($"{Api}/suggest", Form("hello world"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Publishing_auto_tags_once_and_keeps_the_editors_tags()
    {
        var key = DemoContentStore.KeyFor("vmu16-dev-473607684403781632"); // a post: the bulk job test retags photos
        var published = await host.Client.PostAsJsonAsync($"/demo/api/content/{key}/publish", new { tags = new[] { "Editor tag" } });
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        var store = host.Services.GetRequiredService<DemoContentStore>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (store.Find(key)!.PublishCount < 2 && DateTime.UtcNow < deadline) await Task.Delay(50);
        await Task.Delay(1000);
        var item = store.Find(key)!;
        Assert.Equal(2, item.PublishCount); // the editor's publish and the job's, no loop
        Assert.Equal("Editor tag", item.Tags[0]);
        Assert.Contains("passport", item.Tags);
        Assert.Equal("Json", item.TagStorage);
        Assert.StartsWith("[\"Editor tag\",", item.TagsStored);
        // Written in the name of the editor who published (the demo's default user), republished once.
        var write = Assert.Single(store.Writes(), w => w.Key == key);
        Assert.Equal(("Ada Administrator (user 1)", Content.TagWriteResult.Republished), (write.Actor, write.Result));
    }

    [Fact]
    public async Task Bulk_job_over_a_document_type_runs_to_completion_with_progress_and_unknown_jobs_are_404()
    {
        var start = await host.Client.PostAsJsonAsync($"{Api}/jobs", new { documentType = "photo" });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var id = (await Json(start)).GetProperty("id").GetGuid();
        JsonElement job;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(100);
            job = await Json(await host.Client.GetAsync($"{Api}/jobs/{id}"));
        } while (job.GetProperty("status").GetString() != "Completed" && DateTime.UtcNow < deadline);
        Assert.Equal("Completed", job.GetProperty("status").GetString());
        Assert.Equal(10, job.GetProperty("total").GetInt32());
        Assert.Equal(10, job.GetProperty("done").GetInt32());
        Assert.True(job.GetProperty("ratePerSecond").GetDouble() > 0);

        var list = await Json(await host.Client.GetAsync($"{Api}/jobs"));
        Assert.Contains(list.EnumerateArray(), j => j.GetProperty("id").GetGuid() == id);
        Assert.Equal(HttpStatusCode.Conflict, (await host.Client.PostAsync($"{Api}/jobs/{id}/resume", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.PostAsync($"{Api}/jobs/{Guid.NewGuid()}/cancel", null)).StatusCode);
        var bad = await host.Client.PostAsJsonAsync($"{Api}/jobs", new { });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await Json(bad)).GetProperty("errors").TryGetProperty("rootId", out _));
    }

    [Fact]
    public async Task Feedback_is_recorded_and_exported_as_training_jsonl()
    {
        var key = DemoContentStore.KeyFor("vmu16-dev-473427931063390208");
        var recorded = await host.Client.PostAsJsonAsync($"{Api}/feedback", new { contentId = key, accepted = new[] { "passport" }, rejected = new[] { "folks" }, added = new[] { "DoodleDisaster" } });
        Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);
        var invalid = await host.Client.PostAsJsonAsync($"{Api}/feedback", new { contentId = key });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);

        var export = await host.Client.GetAsync($"{Api}/feedback/export");
        Assert.Equal("application/x-ndjson", export.Content.Headers.ContentType?.MediaType);
        var lines = (await export.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = lines.Select(l => JsonDocument.Parse(l).RootElement).Single(l => l.GetProperty("id").GetString() == key.ToString());
        Assert.Equal(["passport", "DoodleDisaster"], line.GetProperty("keyphrases").EnumerateArray().Select(k => k.GetString()));
        Assert.Contains("toddler near your passport", line.GetProperty("text").GetString());
        Assert.Equal("vmu16_small_events/images/passport_02.jpg", line.GetProperty("image").GetString());
    }

    private static HttpRequestMessage As(string user, HttpMethod method, string url, object? body = null)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add(DemoUsers.Header, user);
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    [Theory]
    [InlineData("writer", "may not publish all content")]
    [InlineData("translator", "no access to the Content section")]
    public async Task Starting_a_bulk_job_without_publish_rights_or_content_access_is_refused_with_403_problem_details(string user, string reason)
    {
        var response = await host.Client.SendAsync(As(user, HttpMethod.Post, $"{Api}/jobs", new { all = true }));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(reason, (await Json(response)).GetProperty("detail").GetString());

        // Nor may they pause, cancel or restart someone else's job.
        var started = await host.Client.SendAsync(As("editor", HttpMethod.Post, $"{Api}/jobs", new { documentType = "photo" }));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (await Json(started)).GetProperty("id").GetGuid();
        Assert.Equal("Eddie Editor", (await Json(started)).GetProperty("startedBy").GetString());
        foreach (var verb in new[] { "pause", "cancel", "restart" })
            Assert.Equal(HttpStatusCode.Forbidden, (await host.Client.SendAsync(As(user, HttpMethod.Post, $"{Api}/jobs/{id}/{verb}"))).StatusCode);
    }

    [Fact]
    public async Task The_jobs_dashboard_is_for_administrators_only_and_hides_the_storage_connection_string()
    {
        const string dashboard = "/umbraco/dynamiccot/hangfire";
        var admin = await host.Client.SendAsync(As("admin", HttpMethod.Get, dashboard));
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        var page = await admin.Content.ReadAsStringAsync();
        Assert.Contains("DynamicCot jobs", page);
        Assert.DoesNotContain("Data Source=", page);
        Assert.DoesNotContain("hangfire.db", page);
        foreach (var user in new[] { "editor", "writer" })
            Assert.Equal(HttpStatusCode.Forbidden, (await host.Client.SendAsync(As(user, HttpMethod.Get, dashboard))).StatusCode);
        // Its actions need the antiforgery token, even for an administrator.
        var post = await host.Client.SendAsync(As("admin", HttpMethod.Post, $"{dashboard}/jobs/enqueued/delete"));
        Assert.NotEqual(HttpStatusCode.NoContent, post.StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
    }

    [Fact]
    public async Task The_server_tells_the_backoffice_which_property_receives_tags()
    {
        var config = await Json(await host.Client.GetAsync($"{Api}/config"));
        var types = config.GetProperty("documentTypes").EnumerateArray().ToDictionary(t => t.GetProperty("alias").GetString()!, t => t.GetProperty("tagsProperty").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["photo"] = "tags", ["post"] = "tags" }, types);
        Assert.Equal("/umbraco/dynamiccot/hangfire", config.GetProperty("dashboardPath").GetString());
    }

    [Fact]
    public async Task The_demo_content_api_shows_items_in_every_publish_state()
    {
        var items = (await Json(await host.Client.GetAsync("/demo/api/content"))).EnumerateArray().ToList();
        var states = items.Select(i => i.GetProperty("state").GetString()).ToHashSet();
        Assert.Equal(Enum.GetNames<Content.PublishState>().Order(), states.Order());
        var pending = items.Single(i => i.GetProperty("state").GetString() == "PublishedWithPendingChanges");
        Assert.Equal(["live tag"], pending.GetProperty("publishedTags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["live tag", "pending edit"], pending.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task Rejections_are_listed_per_item_and_cleared_only_when_asked()
    {
        var key = DemoContentStore.KeyFor("vmu16-dev-431124801126535169");
        await host.Client.PostAsJsonAsync($"{Api}/feedback", new { contentId = key, rejected = new[] { "Folks", "beach" } });
        var rejected = await Json(await host.Client.GetAsync($"{Api}/feedback/rejected/{key}"));
        Assert.Equal(["Folks", "beach"], rejected.EnumerateArray().Select(r => r.GetProperty("tag").GetString()).Order());
        var cleared = await host.Client.DeleteAsync($"{Api}/feedback/rejected/{key}?tag=FOLKS");
        Assert.Equal(1, (await Json(cleared)).GetProperty("cleared").GetInt32());
        Assert.Equal(["beach"], (await Json(await host.Client.GetAsync($"{Api}/feedback/rejected/{key}"))).EnumerateArray().Select(r => r.GetProperty("tag").GetString()));
    }

    private static async Task<DemoHostFixtureWith> StartWith(TestDoubles.WordSuggester suggester)
    {
        var fixture = new DemoHostFixtureWith(suggester);
        await fixture.InitializeAsync();
        return fixture;
    }
}
