using Microsoft.Extensions.DependencyInjection;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Content;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.Jobs;

/// <summary>
/// Starts, inspects, pauses, resumes, restarts and cancels bulk retag jobs. The state is in the plugin's tables; the
/// work is Hangfire jobs (one that lists the items, then one per batch) that any node runs.
/// </summary>
public sealed class BulkJobService(BulkJobStore store, [FromKeyedServices(PluginHangfire.Key)] IBackgroundJobClient client, IOptions<DynamicCotOptions> options, ILogger<BulkJobService> logger)
{
    public async Task<BulkJobView> StartAsync(ContentSelection selection, ContentActor startedBy, CancellationToken cancellationToken)
    {
        if (selection.IsEmpty)
            throw new ArgumentException("Say which content to retag: rootId, documentType, or all.", nameof(selection));
        var id = await store.CreateAsync(selection, startedBy, options.Value.Throttle.BulkBatchSize, cancellationToken);
        logger.LogInformation("Bulk job {JobId} queued by {Actor} ({Selection})", id, startedBy, selection);
        EnqueuePrepare(id);
        return await GetAsync(id, cancellationToken);
    }

    public async Task<BulkJobView> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) ?? throw new BulkJobNotFoundException(id);

    public Task<IReadOnlyList<BulkJobView>> ListAsync(CancellationToken cancellationToken) => store.ListAsync(50, cancellationToken);

    /// <summary>Stops the job after each node's current item; the items left stay pending for <see cref="ResumeAsync"/>.</summary>
    public Task<BulkJobView> PauseAsync(Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(id, [BulkJobStatus.Queued, BulkJobStatus.Running], BulkJobStatus.Paused, "pause", cancellationToken);

    /// <summary>Stops the job after each node's current item, for good; finished items stay finished.</summary>
    public Task<BulkJobView> CancelAsync(Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(id, [BulkJobStatus.Queued, BulkJobStatus.Running, BulkJobStatus.Paused], BulkJobStatus.Cancelled, "cancel", cancellationToken);

    /// <summary>Runs a paused job's pending batches again, on every node.</summary>
    public async Task<BulkJobView> ResumeAsync(Guid id, CancellationToken cancellationToken)
    {
        var current = await GetAsync(id, cancellationToken);
        if (current.Status == BulkJobStatus.Paused && current.BatchesTotal == 0 && current.Total == 0)
        {
            // Paused before its items were listed: list them now.
            await ChangeAsync(id, [BulkJobStatus.Paused], BulkJobStatus.Queued, "resume", cancellationToken);
            EnqueuePrepare(id);
            return await GetAsync(id, cancellationToken);
        }
        var view = await ChangeAsync(id, [BulkJobStatus.Paused], BulkJobStatus.Running, "resume", cancellationToken);
        await EnqueuePendingBatchesAsync(id, cancellationToken);
        return view;
    }

    /// <summary>Runs a finished, failed, cancelled or paused job again from the start, over the content its selection covers now.</summary>
    public async Task<BulkJobView> RestartAsync(Guid id, CancellationToken cancellationToken)
    {
        BulkJobStatus[] from = [BulkJobStatus.Completed, BulkJobStatus.Failed, BulkJobStatus.Cancelled, BulkJobStatus.Paused];
        var current = await GetAsync(id, cancellationToken);
        if (!await store.ResetForRestartAsync(id, from, cancellationToken))
            throw new BulkJobStateException($"Cannot restart bulk job {id}: it is {current.Status}; restart applies to {string.Join(" or ", from)} jobs.");
        logger.LogInformation("Bulk job {JobId} restarted: {From} -> {To}", id, current.Status, BulkJobStatus.Queued);
        EnqueuePrepare(id);
        return await GetAsync(id, cancellationToken);
    }

    /// <summary>One Hangfire job per pending batch; a batch queued twice is harmless (items are claimed one by one).</summary>
    public async Task EnqueuePendingBatchesAsync(Guid id, CancellationToken cancellationToken)
    {
        foreach (var batch in await store.PendingBatchesAsync(id, cancellationToken))
            client.Enqueue<BulkRetagJob>(job => job.RunBatchAsync(id, batch, CancellationToken.None));
    }

    private void EnqueuePrepare(Guid id) => client.Enqueue<BulkRetagJob>(job => job.PrepareAsync(id, CancellationToken.None));

    private async Task<BulkJobView> ChangeAsync(Guid id, BulkJobStatus[] from, BulkJobStatus to, string verb, CancellationToken cancellationToken)
    {
        var current = await GetAsync(id, cancellationToken);
        if (!await store.TransitionAsync(id, from, to, cancellationToken))
            throw new BulkJobStateException($"Cannot {verb} bulk job {id}: it is {current.Status}; {verb} applies to {string.Join(" or ", from)} jobs.");
        logger.LogInformation("Bulk job {JobId} {Verb}: {From} -> {To}", id, verb, current.Status, to);
        return await GetAsync(id, cancellationToken);
    }
}
