using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Jobs;
using DynamicCot.Plugin.Tests.TestDoubles;
using DynamicCot.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace DynamicCot.Plugin.Tests;

/// <summary>Bulk retag on a real SQLite job store (Hangfire's storage + the plugin's job tables), one server process.</summary>
public sealed class BulkJobTests
{
    private static readonly ContentSelection All = new(null, null, true);

    private static RecordingContentRepository Content(int count)
    {
        var content = new RecordingContentRepository();
        for (var i = 0; i < count; i++) content.Add($"Item number {i} about lighthouse harbour sailing regatta");
        return content;
    }

    [Fact]
    public async Task A_job_stopped_mid_way_finishes_after_a_restart_with_every_item_written_exactly_once()
    {
        using var folder = TestPaths.NewTempFolder();
        var content = Content(40);
        var suggester = new WordSuggester { Delay = TimeSpan.FromMilliseconds(40) };
        Guid jobId;
        int doneAtStop;
        await using (var first = await PluginServices.StartAsync(folder.Path, content, suggester))
        {
            jobId = (await first.Jobs.StartAsync(All, PluginServices.Starter, CancellationToken.None)).Id;
            doneAtStop = (await first.WaitAsync(jobId, v => v.Done >= 8)).Done;
        } // scheduler shut down mid-job, as a host stopping

        var afterStop = content.Writes.Count;
        Assert.InRange(afterStop, doneAtStop, 39);

        await using var second = await PluginServices.StartAsync(folder.Path, content, suggester);
        var finished = await second.WaitAsync(jobId, v => v.IsFinished);

        Assert.Equal(BulkJobStatus.Completed, finished.Status);
        Assert.Equal(40, finished.Done);
        Assert.Equal(0, finished.Failed);
        Assert.Equal(40, content.Writes.Count);
        Assert.All(content.Keys, key => Assert.Equal(1, content.Writes[key]));
        Assert.NotNull(finished.RatePerSecond);
        // Every write in the name of the user who started the job, none as the system.
        Assert.All(content.Actors, a => Assert.Equal(PluginServices.Starter, a.Actor));
        Assert.Equal(10, finished.BatchesTotal); // 40 items in batches of 4
        Assert.Equal(0, finished.BatchesRemaining);
    }

    [Fact]
    public async Task A_tag_the_editor_rejected_for_an_item_stays_off_it_through_bulk_retag_until_cleared()
    {
        using var folder = TestPaths.NewTempFolder();
        var content = Content(6);
        // The stand-in proposes "lighthouse" (the longest word of every text) with the highest confidence.
        var suggester = new WordSuggester();
        var rejectedOn = content.Keys[2];
        await using var services = await PluginServices.StartAsync(folder.Path, content, suggester);
        await services.Provider.GetRequiredService<Feedback.FeedbackStore>().AddAsync(rejectedOn, content[rejectedOn].Text, null,
            accepted: ["harbour"], rejected: ["Lighthouse"], added: [], CancellationToken.None);

        var first = await services.WaitAsync((await services.Jobs.StartAsync(All, PluginServices.Starter, CancellationToken.None)).Id, v => v.IsFinished);
        Assert.Equal(6, first.Done);
        Assert.DoesNotContain("lighthouse", content[rejectedOn].Tags, StringComparer.OrdinalIgnoreCase);
        Assert.All(content.Keys.Where(k => k != rejectedOn), k => Assert.Contains("lighthouse", content[k].Tags));

        // Still off on a second run; clearing the rejection is what lets the model's tag in again.
        await services.WaitAsync((await services.Jobs.StartAsync(All, PluginServices.Starter, CancellationToken.None)).Id, v => v.IsFinished);
        Assert.DoesNotContain("lighthouse", content[rejectedOn].Tags, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(1, await services.Provider.GetRequiredService<Feedback.RejectedTagStore>().ClearAsync(rejectedOn, ["LIGHTHOUSE"], CancellationToken.None));
        await services.WaitAsync((await services.Jobs.StartAsync(All, PluginServices.Starter, CancellationToken.None)).Id, v => v.IsFinished);
        Assert.Contains("lighthouse", content[rejectedOn].Tags);

        // The rejection is still training data.
        var example = Assert.Single(await services.Provider.GetRequiredService<Feedback.FeedbackStore>().ExportAsync(CancellationToken.None));
        Assert.Equal(["harbour"], example.Keyphrases);
    }

    [Fact]
    public async Task A_second_server_process_on_one_SQLite_job_store_starts_with_its_jobs_paused_and_says_why_then_takes_over_when_the_first_stops()
    {
        using var folder = TestPaths.NewTempFolder();
        PluginJobServer.LockRetry = TimeSpan.FromMilliseconds(200);
        var first = await PluginServices.StartAsync(folder.Path, Content(1), new WordSuggester());
        var content = Content(3);
        // The host starts (an overlapped recycle must not take the site down); its jobs wait, and it says why.
        await using var second = await PluginServices.StartAsync(folder.Path, content, new WordSuggester());
        var reason = second.Provider.GetRequiredService<PluginHealth>().JobsPausedReason;
        Assert.NotNull(reason);
        Assert.Contains("one server process", reason);
        Assert.Contains("Provider=Postgres", reason);
        Assert.Contains($"process {Environment.ProcessId}", reason);
        Assert.Null(first.Provider.GetRequiredService<PluginHealth>().JobsPausedReason);

        // The first process goes away: the second takes the store over and runs jobs.
        await first.DisposeAsync();
        var job = await second.Jobs.StartAsync(All, PluginServices.Starter, CancellationToken.None);
        var view = await second.WaitAsync(job.Id, v => v.IsFinished);
        Assert.Equal(3, view.Done);
        Assert.Null(second.Provider.GetRequiredService<PluginHealth>().JobsPausedReason);
    }

    [Fact]
    public async Task A_cancelled_job_stops_at_once_and_a_restart_runs_it_again_without_rewriting_finished_items()
    {
        using var folder = TestPaths.NewTempFolder();
        var content = Content(40);
        await using var services = await PluginServices.StartAsync(folder.Path, content, new WordSuggester { Delay = TimeSpan.FromMilliseconds(60) });
        var jobId = (await services.Jobs.StartAsync(All, PluginServices.Starter, CancellationToken.None)).Id;
        await services.WaitAsync(jobId, v => v.Done >= 4);
        var atCancel = content.Writes.Count;
        await services.Jobs.CancelAsync(jobId, CancellationToken.None);
        await Task.Delay(800);

        var view = await services.Jobs.GetAsync(jobId, CancellationToken.None);
        Assert.Equal(BulkJobStatus.Cancelled, view.Status);
        Assert.InRange(content.Writes.Count, atCancel, atCancel + 4); // batch size 4
        Assert.True(view.Pending > 0);
        await Assert.ThrowsAsync<BulkJobStateException>(() => services.Jobs.ResumeAsync(jobId, CancellationToken.None));

        // Restart runs it again from the start: every item done, and the items the cancelled run wrote already have
        // their tags, so they are not written again.
        await services.Jobs.RestartAsync(jobId, CancellationToken.None);
        var restarted = await services.WaitAsync(jobId, v => v.IsFinished);
        Assert.Equal((BulkJobStatus.Completed, 40, 0), (restarted.Status, restarted.Done, restarted.Pending));
        Assert.Equal(40, content.Writes.Count);
        Assert.All(content.Writes.Values, n => Assert.Equal(1, n));
        await Assert.ThrowsAsync<BulkJobStateException>(() => services.Jobs.PauseAsync(jobId, CancellationToken.None));
    }

    [Fact]
    public async Task Pause_and_resume_record_failures_with_reasons_and_never_redo_finished_items()
    {
        using var folder = TestPaths.NewTempFolder();
        var content = Content(20);
        content.FailingKeys.Add(content.Keys[3]);
        var suggester = new WordSuggester { Delay = TimeSpan.FromMilliseconds(40) };
        await using var services = await PluginServices.StartAsync(folder.Path, content, suggester);
        var jobId = (await services.Jobs.StartAsync(All, PluginServices.Starter, CancellationToken.None)).Id;
        await services.WaitAsync(jobId, v => v.Done >= 4);
        await services.Jobs.PauseAsync(jobId, CancellationToken.None);
        var paused = await services.WaitAsync(jobId, _ => true);
        await Task.Delay(500);
        var stillPaused = await services.Jobs.GetAsync(jobId, CancellationToken.None);
        Assert.Equal(BulkJobStatus.Paused, stillPaused.Status);
        Assert.InRange(stillPaused.Done + stillPaused.Failed, paused.Done + paused.Failed, paused.Done + paused.Failed + 4);
        Assert.True(stillPaused.Pending > 0);

        await services.Jobs.ResumeAsync(jobId, CancellationToken.None);
        var finished = await services.WaitAsync(jobId, v => v.IsFinished);
        Assert.Equal(BulkJobStatus.Completed, finished.Status);
        Assert.Equal(19, finished.Done);
        var failure = Assert.Single(finished.Failures);
        Assert.Equal(content.Keys[3], failure.ContentKey);
        Assert.Contains("refused by the CMS", failure.Reason);
        Assert.All(content.Writes.Values, n => Assert.Equal(1, n));
        Assert.Equal(20, suggester.Calls.Count); // no item was suggested twice
    }

    [Fact]
    public async Task An_overloaded_engine_leaves_items_pending_until_the_attempt_limit_then_records_why()
    {
        using var folder = TestPaths.NewTempFolder();
        var content = Content(2);
        await using var services = await PluginServices.StartAsync(folder.Path, content, new WordSuggester { Overloaded = true },
            new() { ["DynamicCot:Throttle:MaxAttemptsPerItem"] = "2" });
        var jobId = (await services.Jobs.StartAsync(All, PluginServices.Starter, CancellationToken.None)).Id;
        var finished = await services.WaitAsync(jobId, v => v.IsFinished);
        Assert.Equal(2, finished.Failed);
        Assert.All(finished.Failures, f => Assert.Contains("overloaded on 2 attempts", f.Reason));
    }

    [Fact]
    public async Task A_batch_that_runs_out_of_retries_fails_the_job_with_the_cause_and_a_restart_completes_it_once_the_engine_is_back()
    {
        using var folder = TestPaths.NewTempFolder();
        var content = Content(3);
        var suggester = new WordSuggester { Unavailable = true };
        await using var services = await PluginServices.StartAsync(folder.Path, content, suggester);
        var storage = services.Provider.GetRequiredKeyedService<Hangfire.JobStorage>(PluginHangfire.Key);
        var client = services.Provider.GetRequiredKeyedService<Hangfire.IBackgroundJobClient>(PluginHangfire.Key);
        var jobId = (await services.Jobs.StartAsync(All, PluginServices.Starter, CancellationToken.None)).Id;

        // Hangfire waits 5 s, 30 s and 120 s between a batch's attempts; run each retry as soon as it is scheduled.
        var failed = await services.WaitAsync(jobId, v =>
        {
            foreach (var scheduled in storage.GetMonitoringApi().ScheduledJobs(0, 100)) Hangfire.BackgroundJobClientExtensions.Requeue(client, scheduled.Key);
            return v.IsFinished;
        }, TimeSpan.FromSeconds(60));

        Assert.Equal(BulkJobStatus.Failed, failed.Status);
        Assert.Contains("batch 0 failed after its retries", failed.Error);
        Assert.Contains("The keyphrase engine is restarting.", failed.Error);
        Assert.NotNull(failed.FinishedAt);
        Assert.Equal((0, 0, 3), (failed.Done, failed.Failed, failed.Pending)); // no item was failed for an engine outage
        Assert.Equal(4, suggester.Calls.Count); // the first attempt and three retries, one item each
        Assert.Empty(content.Writes);

        suggester.Unavailable = false;
        await services.Jobs.RestartAsync(jobId, CancellationToken.None);
        var restarted = await services.WaitAsync(jobId, v => v.IsFinished);
        Assert.Equal((BulkJobStatus.Completed, 3, 0), (restarted.Status, restarted.Done, restarted.Failed));
        Assert.Null(restarted.Error);
        Assert.All(content.Keys, k => Assert.Equal(1, content.Writes[k]));
    }

    [Fact]
    public async Task Items_deleted_trashed_or_not_configured_are_skipped_and_counted_not_failed()
    {
        using var folder = TestPaths.NewTempFolder();
        var content = Content(6);
        var (deleted, trashed, unconfigured) = (content.Keys[1], content.Keys[2], content.Keys[4]);
        content.Delete(deleted);
        content.Trash(trashed);
        content.Unconfigure(unconfigured);
        await using var services = await PluginServices.StartAsync(folder.Path, content, new WordSuggester());

        var finished = await services.WaitAsync((await services.Jobs.StartAsync(All, PluginServices.Starter, CancellationToken.None)).Id, v => v.IsFinished);

        Assert.Equal(BulkJobStatus.Completed, finished.Status);
        Assert.Equal((6, 3, 0, 3, 0), (finished.Total, finished.Done, finished.Failed, finished.Skipped, finished.Pending));
        Assert.Empty(finished.Failures);
        Assert.Equal(3, content.Writes.Count);
        var json = System.Text.Json.JsonSerializer.Serialize(Api.JobDto.From(finished), new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
        Assert.Contains("\"skipped\":3", json);
    }
}
