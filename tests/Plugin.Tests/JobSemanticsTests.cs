using System.Security.Claims;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Jobs;
using DynamicCot.Plugin.Tests.TestDoubles;
using DynamicCot.Plugin.Umbraco;
using DynamicCot.Tests.Shared;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using Umbraco.Cms.Core.Models.Membership;
using Umbraco.Cms.Core.Services;
using Umbraco.Cms.Core.Services.AuthorizationStatus;

namespace DynamicCot.Plugin.Tests;

/// <summary>Retries, per-item results and permissions, on a real SQLite job store with Hangfire's server running.</summary>
[Collection(ProcessWideHangfireCollection.Name)]
public sealed class JobSemanticsTests
{
    private static async Task<string> WaitForStateAsync(JobStorage storage, string jobId, Func<string, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using var connection = storage.GetConnection();
            var data = connection.GetStateData(jobId);
            var state = data?.Name ?? "";
            if (until(state))
            {
                // The failure's own reason, so an unexpected state says why it was reached.
                if (state == FailedState.StateName)
                    Console.WriteLine($"job {jobId} failed: {data!.Reason} {string.Join("; ", data.Data.Select(kv => kv.Key + "=" + kv.Value))}");
                return state;
            }
            if (DateTime.UtcNow > deadline) Assert.Fail($"job {jobId} stayed {state}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Auto_tag_of_an_item_that_cannot_be_tagged_completes_as_skipped_while_a_busy_engine_is_retried_later()
    {
        using var folder = TestPaths.NewTempFolder();
        var content = new RecordingContentRepository();
        var item = content.Add("Harbour lighthouse at dusk");
        var suggester = new WordSuggester { Overloaded = true };
        await using var services = await PluginServices.StartAsync(folder.Path, content, suggester);
        var queue = services.Provider.GetRequiredService<IAutoTagQueue>();
        var storage = services.Provider.GetRequiredKeyedService<JobStorage>(PluginHangfire.Key);

        // Items that do not exist, are in the recycle bin or whose type is not configured: nothing to do, so the job
        // succeeds on its first attempt instead of piling up as failed or retried jobs.
        var trashed = content.Add("Trashed harbour post");
        content.Trash(trashed);
        var unconfigured = content.Add("A page about the harbour");
        content.Unconfigure(unconfigured);
        foreach (var key in new[] { Guid.NewGuid(), trashed, unconfigured })
        {
            var skipped = await queue.EnqueueAsync(key, ContentActor.System, CancellationToken.None);
            Assert.Equal(SucceededState.StateName, await WaitForStateAsync(storage, skipped,
                s => s == SucceededState.StateName || s == FailedState.StateName || s == ScheduledState.StateName));
        }
        Assert.Empty(suggester.Calls);
        Assert.Empty(content.Writes);

        // The engine is overloaded: transient, so Hangfire schedules a retry instead of failing.
        var busy = await queue.EnqueueAsync(item, ContentActor.System, CancellationToken.None);
        Assert.Equal(ScheduledState.StateName, await WaitForStateAsync(storage, busy, s => s == FailedState.StateName || s == ScheduledState.StateName));
        Assert.Single(suggester.Calls);
    }

    [Fact]
    public async Task A_result_recorded_before_a_crash_is_what_the_next_run_writes_without_asking_the_model_again()
    {
        using var folder = TestPaths.NewTempFolder();
        var content = new RecordingContentRepository();
        for (var i = 0; i < 6; i++) content.Add($"Item {i} about harbour lighthouses");
        var suggester = new WordSuggester();
        await using var services = await PluginServices.StartAsync(folder.Path, content, suggester);
        var store = services.Provider.GetRequiredService<BulkJobStore>();

        // As a node left it when it died after recording item 0's result and before writing it.
        var id = await store.CreateAsync(new ContentSelection(null, null, true), PluginServices.Starter, 3, CancellationToken.None);
        Assert.True(await store.PrepareAsync(id, content.Keys, CancellationToken.None));
        var claim = await store.ClaimNextAsync(id, 0, "dead-node", TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.Equal(content.Keys[0], claim!.Value.Key);
        Assert.Equal("[\"recorded\"]", await store.RecordResultAsync(id, content.Keys[0], "[\"recorded\"]", CancellationToken.None));
        Assert.Equal("[\"recorded\"]", await store.RecordResultAsync(id, content.Keys[0], "[\"other\"]", CancellationToken.None)); // the first result wins

        await services.Jobs.EnqueuePendingBatchesAsync(id, CancellationToken.None);
        var finished = await services.WaitAsync(id, v => v.IsFinished);

        Assert.Equal(BulkJobStatus.Completed, finished.Status);
        Assert.Equal(["recorded"], content[content.Keys[0]].Tags);
        Assert.Equal(5, suggester.Calls.Count); // not for item 0
        Assert.All(content.Keys, k => Assert.Equal(1, content.Writes[k]));
        Assert.Equal(0, finished.BatchesRemaining);
    }

    [Fact]
    public async Task Umbraco_permissions_need_the_content_section_and_publish_rights_on_the_whole_subtree()
    {
        var root = Guid.NewGuid();
        var userKey = Guid.NewGuid();
        IUser User(params string[] sections) => InterfaceStub<IUser>.Create(("get_AllowedSections", _ => sections), ("get_Name", _ => "Wren Writer"));
        UmbracoContentPermissions Permissions(IUser user, ContentAuthorizationStatus descendants) => new(
            InterfaceStub<IUserService>.Create(("GetAsync(Guid)", args => Task.FromResult<IUser?>((Guid)args[0]! == userKey ? user : null))),
            InterfaceStub<IContentPermissionService>.Create(
                ("AuthorizeDescendantsAccessAsync(IUser,Guid,String)", args => Task.FromResult((string)args[2]! == "Umb.Document.Publish" ? descendants : ContentAuthorizationStatus.UnauthorizedMissingPermissionAccess)),
                ("AuthorizeAccessAsync(IUser,Guid,String)", _ => Task.FromResult(ContentAuthorizationStatus.Success)),
                ("AuthorizeRootAccessAsync(IUser,String)", _ => Task.FromResult(ContentAuthorizationStatus.UnauthorizedMissingRootAccess))));
        // Umbraco's backoffice identity carries the user's key in the OpenIddict "sub" claim.
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", userKey.ToString())], "UmbracoBackOffice"));
        var subtree = new ContentSelection(root, null, false);

        Assert.Null(await Permissions(User("content"), ContentAuthorizationStatus.Success).CheckBulkJobAsync(principal, subtree, CancellationToken.None));
        Assert.Contains("may not publish every item under", await Permissions(User("content"), ContentAuthorizationStatus.UnauthorizedMissingDescendantAccess).CheckBulkJobAsync(principal, subtree, CancellationToken.None));
        Assert.Contains("no access to the Content section", await Permissions(User("media"), ContentAuthorizationStatus.Success).CheckBulkJobAsync(principal, subtree, CancellationToken.None));
        Assert.Contains("may not publish all content", await Permissions(User("content"), ContentAuthorizationStatus.Success).CheckBulkJobAsync(principal, new ContentSelection(null, null, true), CancellationToken.None));
        Assert.Contains("Only backoffice users", await Permissions(User("content"), ContentAuthorizationStatus.Success).CheckBulkJobAsync(new ClaimsPrincipal(new ClaimsIdentity()), subtree, CancellationToken.None));
    }

    [Fact]
    public async Task An_item_whose_inference_outlasts_the_lease_is_not_taken_by_a_second_run_of_its_batch()
    {
        using var folder = TestPaths.NewTempFolder();
        var content = new RecordingContentRepository();
        content.Add("Harbour lighthouse at dusk");
        // Inference takes three leases; two runs of the one batch work at once (a batch queued twice, or two nodes).
        var suggester = new WordSuggester { Delay = TimeSpan.FromSeconds(6) };
        await using var services = await PluginServices.StartAsync(folder.Path, content, suggester,
            new() { ["DynamicCot:JobStore:ItemLease"] = "00:00:02", ["DynamicCot:JobStore:WorkerThreads"] = "2" });
        var store = services.Provider.GetRequiredService<BulkJobStore>();
        var id = await store.CreateAsync(new ContentSelection(null, null, true), PluginServices.Starter, 4, CancellationToken.None);
        Assert.True(await store.PrepareAsync(id, content.Keys, CancellationToken.None));

        await services.Jobs.EnqueuePendingBatchesAsync(id, CancellationToken.None);
        await services.Jobs.EnqueuePendingBatchesAsync(id, CancellationToken.None);
        var finished = await services.WaitAsync(id, v => v.IsFinished);

        Assert.Equal((BulkJobStatus.Completed, 1), (finished.Status, finished.Done));
        Assert.Single(suggester.Calls); // the second run waited for the renewed lease instead of asking the model again
        Assert.Equal(1, content.Writes[content.Keys[0]]);
    }
}
