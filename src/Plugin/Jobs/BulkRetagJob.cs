using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Tagging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace DynamicCot.Plugin.Jobs;

/// <summary>
/// Runs one bulk retag job batch by batch. Each batch's items go to the suggester concurrently (the engine batches
/// them) through the throttle; each item is marked done or failed as soon as it finishes, so a stop at any point loses
/// at most the in-flight items' model time, never a write. Pause and cancel are read between batches.
/// One Quartz job per bulk job, not concurrent with itself, so two nodes of a cluster never run the same job at once.
/// </summary>
[DisallowConcurrentExecution]
public sealed class BulkRetagJob(
    BulkJobStore store,
    IContentRepository content,
    ContentTagger tagger,
    SchedulerStoppingSignal stopping,
    IOptions<DynamicCotOptions> options,
    ILogger<BulkRetagJob> logger) : IJob
{
    public const string JobIdKey = "bulkJobId";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken jobToken)
    {
        using var run = stopping.EnterRun();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(jobToken, stopping.Token);
        var cancellationToken = linked.Token;
        var jobId = Guid.Parse(context.MergedJobDataMap.GetString(JobIdKey)!);
        var job = await store.GetAsync(jobId, cancellationToken, maxFailures: 0);
        if (job is null || job.Status is not (BulkJobStatus.Queued or BulkJobStatus.Running)) return;

        if (job.Status == BulkJobStatus.Queued)
        {
            var keys = await content.ListKeysAsync(job.Selection, cancellationToken);
            await store.AddItemsAsync(jobId, keys, cancellationToken);
            if (!await store.TransitionAsync(jobId, [BulkJobStatus.Queued], BulkJobStatus.Running, cancellationToken)) return;
            logger.LogInformation("Bulk job {JobId}: {Count} items ({Selection})", jobId, keys.Count, job.Selection);
        }
        else
        {
            // A restarted run: measure rate and ETA from now on.
            await store.TransitionAsync(jobId, [BulkJobStatus.Running], BulkJobStatus.Running, cancellationToken);
        }

        try
        {
            if (await RunBatchesAsync(context, jobId, cancellationToken)) return;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        // Stopped part-way. When this node is shutting down, hand the job over instead of leaving it to this node's next start.
        if (stopping.Token.IsCancellationRequested) await HandOverAsync(context, jobId);
    }

    /// <summary>Runs batches until the job ends (true) or the token stops it part-way (false).</summary>
    private async Task<bool> RunBatchesAsync(IJobExecutionContext context, Guid jobId, CancellationToken cancellationToken)
    {
        var throttle = options.Value.Throttle;
        while (!cancellationToken.IsCancellationRequested)
        {
            var current = await store.GetAsync(jobId, cancellationToken, maxFailures: 0);
            if (current?.Status != BulkJobStatus.Running)
            {
                logger.LogInformation("Bulk job {JobId} stops: status {Status}", jobId, current?.Status);
                return true;
            }
            var batch = await store.NextPendingAsync(jobId, throttle.BulkBatchSize, cancellationToken);
            if (batch.Count == 0)
            {
                await store.TransitionAsync(jobId, [BulkJobStatus.Running], BulkJobStatus.Completed, cancellationToken);
                logger.LogInformation("Bulk job {JobId} completed", jobId);
                return true;
            }
            var outcomes = await Task.WhenAll(batch.Select(key => ProcessItemAsync(jobId, key, throttle.MaxAttemptsPerItem, cancellationToken)));
            if (outcomes.Contains(ItemOutcome.EngineMissing))
            {
                // Failing every item for a missing model would lose the job: pause it with the reason instead.
                await store.TransitionAsync(jobId, [BulkJobStatus.Running], BulkJobStatus.Paused, CancellationToken.None,
                    error: new KeyphraseEngineNotConfiguredException().Message + " Resume the job once a model is configured.");
                return true;
            }
            var progress = await store.GetAsync(jobId, cancellationToken, maxFailures: 0);
            if (progress is { Total: > 0 })
                context.ReportProgress((int)(100.0 * (progress.Done + progress.Failed) / progress.Total), $"{progress.Done} done, {progress.Failed} failed of {progress.Total}");
        }
        return false;
    }

    /// <summary>
    /// A stopping node (see <see cref="HandOverBulkJobsOnStop"/>) gives a still-running job a new trigger before its run
    /// ends: in a cluster another node picks it up at once (a graceful stop is not a failure, so Quartz's recovery would
    /// not re-run it, and the job used to wait for this node's restart); alone, the trigger waits in the store for the
    /// next start. Only pending items are left, so nothing is redone.
    /// </summary>
    private async Task HandOverAsync(IJobExecutionContext context, Guid jobId)
    {
        var current = await store.GetAsync(jobId, CancellationToken.None, maxFailures: 0);
        if (current?.Status != BulkJobStatus.Running) return;
        if (context.Scheduler.Status is SchedulerStatus.ShuttingDown or SchedulerStatus.Shutdown)
        {
            // The record still says Running, so BulkJobResumer restarts the job on the next start.
            logger.LogInformation("Bulk job {JobId}: the scheduler is shut down; {Pending} items left for the next start", jobId, current.Pending);
            return;
        }
        var trigger = TriggerBuilder.Create()
            .WithIdentity($"{jobId}-handover-{Guid.NewGuid():N}", BulkJobService.QuartzGroup)
            .ForJob(context.JobDetail.Key)
            .StartNow()
            .Build();
        try
        {
            await context.Scheduler.ScheduleJob(trigger, cancellationToken: CancellationToken.None);
            logger.LogInformation("Bulk job {JobId}: this node is stopping; {Pending} items left for the next node", jobId, current.Pending);
        }
        catch (SchedulerException ex)
        {
            // The job record still says Running, so BulkJobResumer restarts it on any node's next start.
            logger.LogWarning(ex, "Bulk job {JobId}: could not hand over to another node; it resumes on the next start", jobId);
        }
    }

    private enum ItemOutcome { Finished, LeftPending, EngineMissing }

    private async Task<ItemOutcome> ProcessItemAsync(Guid jobId, Guid key, int maxAttempts, CancellationToken cancellationToken)
    {
        try
        {
            await tagger.TagAsync(key, cancellationToken);
            await store.FinishItemAsync(jobId, key, BulkItemState.Done, null, CancellationToken.None);
            return ItemOutcome.Finished;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown or interruption before the write: the item stays pending and the next run does it.
            return ItemOutcome.LeftPending;
        }
        catch (KeyphraseEngineNotConfiguredException)
        {
            return ItemOutcome.EngineMissing;
        }
        catch (SuggesterWarmingUpException ex)
        {
            // The model is still being prepared: wait, then leave the item for the next pass (not a failed attempt).
            try { await Task.Delay(ex.RetryAfter, cancellationToken); } catch (OperationCanceledException) { }
            return ItemOutcome.LeftPending;
        }
        catch (SuggesterOverloadedException ex)
        {
            var attempts = await store.CountAttemptAsync(jobId, key, ex.Message, CancellationToken.None);
            if (attempts < maxAttempts) return ItemOutcome.LeftPending;
            await store.FinishItemAsync(jobId, key, BulkItemState.Failed, $"Engine overloaded on {attempts} attempts: {ex.Message}", CancellationToken.None);
            return ItemOutcome.Finished;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogWarning(ex, "Bulk job {JobId}: item {Key} failed", jobId, key);
            await store.FinishItemAsync(jobId, key, BulkItemState.Failed, $"{ex.GetType().Name}: {ex.Message}", CancellationToken.None);
            return ItemOutcome.Finished;
        }
    }
}
