using System.Text.Json;
using System.Text.RegularExpressions;
using DynamicCot.Plugin.DemoHost;
using DynamicCot.Plugin.Feedback;
using DynamicCot.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace DynamicCot.Plugin.Tests.Browser;

/// <summary>
/// The demo page in headless Chromium over the real demo host (test-double engine): suggest, accept and reject chips,
/// feedback recorded, publish, and a bulk retag followed to completion. Screenshots go to the test output folder.
/// </summary>
public sealed class DemoPageBrowserTests(DemoHostFixture host) : IClassFixture<DemoHostFixture>
{
    private const string Api = "/umbraco/dynamiccot/api/v1";
    private static readonly Guid VmuPost = DemoContentStore.KeyFor("vmu16-dev-473478254616387584");
    private static readonly float StepTimeout = 20_000;

    /// <summary>Where screenshots are kept: the test output folder, beside the test assembly.</summary>
    public static string ScreenshotFolder => Path.Combine(AppContext.BaseDirectory, "browser-screenshots");

    [Fact]
    public async Task Editor_suggests_accepts_rejects_publishes_and_runs_a_bulk_retag()
    {
        File.Delete(Screenshot("failure.png")); // a screenshot from an earlier failed run would mislead
        using var profile = TestPaths.NewTempFolder("dynamiccot-chromium");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await SystemChromium.LaunchAsync(playwright, profile.Path);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(StepTimeout);
        var pageErrors = new List<string>();
        page.PageError += (_, error) => pageErrors.Add(error);
        page.Console += (_, message) => { if (message.Type == "error") pageErrors.Add($"console: {message.Text}"); };
        page.Response += (_, response) => { if (response.Status >= 400) pageErrors.Add($"HTTP {response.Status} {response.Url}"); };

        try
        {
            await page.GotoAsync(host.Client.BaseAddress!.ToString());
            await Assertions.Expect(page.Locator("#bundle-missing")).ToBeHiddenAsync();

            // Suggest: chips with a confidence bar and percentage (Playwright's CSS pierces the elements' shadow roots).
            var post = page.Locator($"article.item[data-key='{VmuPost}']");
            await post.Locator("button.suggest").ClickAsync();
            var chips = post.Locator("li.chip");
            await Assertions.Expect(chips.First).ToBeVisibleAsync();
            Assert.True(await chips.CountAsync() >= 2, "the test double suggests at least two keyphrases for the post");
            await Assertions.Expect(chips.First.Locator(".percent")).ToHaveTextAsync(new Regex(@"^\d{1,3}%$"));
            await Assertions.Expect(chips.First.Locator(".fill")).ToHaveAttributeAsync("style", new Regex(@"width:\d{1,3}%"));

            var accepted = (await chips.Nth(0).GetAttributeAsync("data-keyphrase"))!;
            var rejected = (await chips.Nth(1).GetAttributeAsync("data-keyphrase"))!;
            await chips.Nth(0).Locator("button.accept").ClickAsync();
            await chips.Nth(1).Locator("button.reject").ClickAsync();
            await Assertions.Expect(chips.Nth(0)).ToHaveAttributeAsync("data-decision", "accepted");
            await Assertions.Expect(chips.Nth(1)).ToHaveAttributeAsync("data-decision", "rejected");
            await page.ScreenshotAsync(new() { Path = Screenshot("1-chips-decided.png"), FullPage = false });

            // Apply: feedback is posted and the accepted tag joins the item's tags.
            await post.Locator("button.apply").ClickAsync();
            await Assertions.Expect(post.Locator(".tags .tag", new() { HasTextString = accepted })).ToBeVisibleAsync();
            await Assertions.Expect(post.Locator(".tags .tag", new() { HasTextString = rejected })).ToHaveCountAsync(0);

            var records = await host.Services.GetRequiredService<FeedbackStore>().ListAsync(CancellationToken.None);
            var record = Assert.Single(records, r => r.ContentKey == VmuPost);
            Assert.Equal([accepted], record.Accepted);
            Assert.Equal([rejected], record.Rejected);
            var export = await host.Client.GetStringAsync($"{Api}/feedback/export");
            var example = export.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonDocument.Parse(line).RootElement)
                .Single(e => e.GetProperty("id").GetString() == VmuPost.ToString());
            var exported = example.GetProperty("keyphrases").EnumerateArray().Select(k => k.GetString()).ToList();
            Assert.Contains(accepted, exported);
            Assert.DoesNotContain(rejected, exported);

            // Publish writes the tags the editor applied.
            // Waits for the server's answer: the seeded post may already read "published" before the click.
            var published = await page.RunAndWaitForResponseAsync(() => post.Locator("button.publish").ClickAsync(),
                r => r.Request.Method == "POST" && r.Url.EndsWith($"/content/{VmuPost}/publish", StringComparison.Ordinal));
            Assert.True(published.Ok, $"publish: HTTP {published.Status}");
            await Assertions.Expect(page.Locator($"article.item[data-key='{VmuPost}'] .meta")).ToContainTextAsync("published");
            Assert.Contains(accepted, host.Services.GetRequiredService<DemoContentStore>().Find(VmuPost)!.Tags);

            // Bulk retag of the posts, followed through the job list's live progress to completion.
            var jobs = page.Locator("dynamiccot-job-list");
            await jobs.Locator("select[name='documentType']").SelectOptionAsync("post");
            await jobs.Locator("form.start button[type='submit']").ClickAsync();
            var job = jobs.Locator("article.job").First;
            await Assertions.Expect(job).ToHaveAttributeAsync("data-status", "Completed", new() { Timeout = 30_000 });
            await Assertions.Expect(job.Locator(".counts")).ToContainTextAsync("100%");
            await Assertions.Expect(job.Locator(".selection")).ToContainTextAsync("post");
            // Per-node progress: the demo is one node, named after its machine and process.
            await Assertions.Expect(job.Locator(".nodes")).ToContainTextAsync($"on {Environment.MachineName}:{Environment.ProcessId}");
            await Assertions.Expect(job.Locator(".started-by")).ToContainTextAsync("Ada Administrator");
            await page.ScreenshotAsync(new() { Path = Screenshot("2-bulk-retag-done.png"), FullPage = false });

            // The tag the editor rejected stayed off through the publish's auto-tag and the bulk retag, though the
            // engine proposed it each time.
            var retagged = host.Services.GetRequiredService<DemoContentStore>().Find(VmuPost)!;
            Assert.Contains(accepted, retagged.Tags);
            Assert.DoesNotContain(rejected, retagged.Tags, StringComparer.OrdinalIgnoreCase);
            Assert.True(host.Suggester.Calls.Count(c => c.Text == retagged.Text) >= 3, "suggest, auto-tag and bulk retag each asked the engine");

            Assert.Empty(pageErrors);
        }
        catch
        {
            await page.ScreenshotAsync(new() { Path = Screenshot("failure.png"), FullPage = true });
            throw;
        }
    }

    [Fact]
    public async Task Without_the_web_components_bundle_the_page_says_how_to_build_it_and_still_lists_content()
    {
        using var profile = TestPaths.NewTempFolder("dynamiccot-chromium");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await SystemChromium.LaunchAsync(playwright, profile.Path);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(StepTimeout);
        // Simulates a build without the bundle: the server answers 404 for it.
        await page.RouteAsync("**/App_Plugins/DynamicCot/**", route => route.FulfillAsync(new() { Status = 404 }));

        await page.GotoAsync(host.Client.BaseAddress!.ToString());
        await Assertions.Expect(page.Locator("#bundle-missing")).ToContainTextAsync("npm run build:backoffice");
        await Assertions.Expect(page.Locator($"article.item[data-key='{VmuPost}'] .name")).ToBeVisibleAsync();
    }

    private static string Screenshot(string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        return Path.Combine(ScreenshotFolder, name);
    }
}
