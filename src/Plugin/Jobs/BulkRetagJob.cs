using System.ComponentModel;
using System.Text.Json;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Tagging;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.Jobs;

/// <summary>
/// The Hangfire jobs of a bulk retag: <see cref="PrepareAsync"/> lists the items and splits them into batches, then
/// one <see cref="RunBatchAsync"/> per batch, so every node takes batches of the same bulk job at once.
/// Per item: claim it (a lease), record the model's suggestions, merge them into the item when writing, mark it done. A node that is
/// stopped gives its item back and Hangfire requeues the batch at once; a node that dies leaves a lease that expires
/// and a batch that Hangfire hands to another node after the invisibility timeout. Either way the next run applies the
/// recorded result, so no item is written twice with different results, and finished items are never redone.
/// </summary>
public sealed class BulkRetagJob(
    BulkJobStore store,
    BulkJobService jobs,
    IContentRepository content,
    ContentTagger tagger,
    NodeIdentity node,
    IOptions<DynamicCotOptions> options,
    ILogger<BulkRetagJob> logger)
{
    /// <summary>How long a batch waits before looking again at items leased by another node.</summary>
    private static readonly TimeSpan LeasePoll = TimeSpan.FromMilliseconds(500);

    [Queue(JobQueues.Name)]
    [DisplayName("Bulk retag {0}: list items")]
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [5, 30, 120])]
    public async Task PrepareAsync(Guid bulkJobId, CancellationToken cancellationToken)
    {
        var header = await store.GetHeaderAsync(bulkJobId, cancellationToken);
        if (header is null) return;
        if (header.Value.Status == BulkJobStatus.Queued)
        {
            var keys = await content.ListKeysAsync(header.Value.Selection, cancellationToken);
            if (await store.PrepareAsync(bulkJobId, keys, cancellationToken))
                logger.LogInformation("Bulk job {JobId} running: Queued -> Running, {Count} items ({Selection}) in batches of {Size}", bulkJobId, keys.Count, header.Value.Selection, options.Value.Throttle.BulkBatchSize);
        }
        // Also after a crash between preparing and queueing: queue whatever batches are pending.
        if ((await store.GetHeaderAsync(bulkJobId, cancellationToken))?.Status == BulkJobStatus.Running)
            await jobs.EnqueuePendingBatchesAsync(bulkJobId, cancellationToken);
    }

    [Queue(JobQueues.Name)]
    [DisplayName("Bulk retag {0}: batch {1}")]
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [5, 30, 120])]
    public async Task RunBatchAsync(Guid bulkJobId, int batch, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var header = await store.GetHeaderAsync(bulkJobId, cancellationToken);
            if (header?.Status != BulkJobStatus.Running)
            {
                // Paused or cancelled: the batch stays pending; resume queues it again.
                logger.LogDebug("Bulk job {JobId} batch {Batch} stops: status {Status}", bulkJobId, batch, header?.Status);
                return;
            }
            var claim = await store.ClaimNextAsync(bulkJobId, batch, node.Name, settings.JobStore.ItemLease, cancellationToken);
            if (claim is null)
            {
                if (!await store.HasPendingAsync(bulkJobId, batch, cancellationToken))
                {
                    if (await store.FinishBatchAsync(bulkJobId, batch, node.Name, CancellationToken.None))
                        logger.LogInformation("Bulk job {JobId} completed: Running -> Completed (last batch {Batch} on {Node})", bulkJobId, batch, node.Name);
                    return;
                }
                // Items leased by another run (a node that may have died): wait for them to finish or their lease to end.
                await Task.Delay(LeasePoll, cancellationToken);
                continue;
            }
            ItemOutcome outcome;
            using (var renewing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var renewal = RenewLeaseAsync(bulkJobId, claim.Value.Key, settings.JobStore.ItemLease, renewing.Token);
                try
                {
                    outcome = await ProcessItemAsync(bulkJobId, claim.Value.Key, claim.Value.Result, header.Value.StartedBy, settings, cancellationToken);
                }
                finally
                {
                    renewing.Cancel();
                    await renewal;
                }
            }
            if (outcome == ItemOutcome.EngineMissing)
            {
                // Failing every item for a missing model would lose the job: pause it with the reason instead.
                await store.TransitionAsync(bulkJobId, [BulkJobStatus.Running], BulkJobStatus.Paused, CancellationToken.None,
                    error: new KeyphraseEngineNotConfiguredException().Message + " Resume the job once a model is configured.");
                logger.LogInformation("Bulk job {JobId} paused: Running -> Paused, no keyphrase model is configured", bulkJobId);
                return;
            }
        }
    }

    /// <summary>
    /// Keeps this node's lease on the item while it is worked (waiting for the engine included), every third of the
    /// lease, so a slow inference is not repeated by another node; a node that dies stops renewing and the lease ends.
    /// </summary>
    private async Task RenewLeaseAsync(Guid jobId, Guid key, TimeSpan lease, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(lease / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
                if (!await store.RenewClaimAsync(jobId, key, node.Name, lease, cancellationToken)) return;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
        {
            logger.LogWarning(ex, "Bulk job {JobId}: could not renew the lease on item {Key}", jobId, key);
        }
    }

    private enum ItemOutcome { Finished, LeftPending, EngineMissing }

    private async Task<ItemOutcome> ProcessItemAsync(Guid jobId, Guid key, string? recorded, ContentActor actor, DynamicCotOptions settings, CancellationToken cancellationToken)
    {
        try
        {
            recorded ??= await store.RecordResultAsync(jobId, key, EncodeSuggestions(await tagger.SuggestAsync(key, cancellationToken)), CancellationToken.None);
            var result = await tagger.ApplyAsync(key, DecodeSuggestions(recorded), actor, cancellationToken);
            await store.FinishItemAsync(jobId, key, BulkItemState.Done, null, node.Name, result.Write?.ToString() ?? result.Kind.ToString(), CancellationToken.None);
            return ItemOutcome.Finished;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // This node is stopping (or the job was deleted): give the item back now, so the next run need not wait
            // for the lease; Hangfire requeues the batch for another node.
            await store.ReleaseClaimAsync(jobId, key, node.Name, TimeSpan.Zero, CancellationToken.None);
            throw;
        }
        catch (Exception ex) when (IsTransient(ex))
        {
            // The engine or the database is down for a while: failing each item would empty the batch in seconds.
            // Give the item back and fail the batch instead, so Hangfire retries it later; a batch that runs out of
            // retries fails the bulk job with this cause (BulkJobFailureFilter).
            await store.ReleaseClaimAsync(jobId, key, node.Name, TimeSpan.Zero, CancellationToken.None);
            throw;
        }
        catch (ContentNotTaggableException ex)
        {
            // Deleted, trashed or not configured since the job listed it: nothing to do, and nothing went wrong.
            await store.FinishItemAsync(jobId, key, BulkItemState.Skipped, ex.Message, node.Name, "Skipped", CancellationToken.None);
            return ItemOutcome.Finished;
        }
        catch (KeyphraseEngineNotConfiguredException)
        {
            await store.ReleaseClaimAsync(jobId, key, node.Name, TimeSpan.Zero, CancellationToken.None);
            return ItemOutcome.EngineMissing;
        }
        catch (SuggesterWarmingUpException ex)
        {
            // The model is still being prepared: the item waits (not a failed attempt).
            await store.ReleaseClaimAsync(jobId, key, node.Name, ex.RetryAfter, CancellationToken.None);
            return ItemOutcome.LeftPending;
        }
        catch (SuggesterOverloadedException ex)
        {
            var attempts = await store.CountAttemptAsync(jobId, key, ex.Message, CancellationToken.None);
            if (attempts < settings.Throttle.MaxAttemptsPerItem)
            {
                await store.ReleaseClaimAsync(jobId, key, node.Name, TimeSpan.FromSeconds(attempts), CancellationToken.None);
                return ItemOutcome.LeftPending;
            }
            await store.FinishItemAsync(jobId, key, BulkItemState.Failed, $"Engine overloaded on {attempts} attempts: {ex.Message}", node.Name, null, CancellationToken.None);
            return ItemOutcome.Finished;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogWarning(ex, "Bulk job {JobId}: item {Key} failed", jobId, key);
            await store.FinishItemAsync(jobId, key, BulkItemState.Failed, $"{ex.GetType().Name}: {ex.Message}", node.Name, null, CancellationToken.None);
            return ItemOutcome.Finished;
        }
    }

    /// <summary>Failures that say "later", not "this item": an unavailable engine (other than the two handled per item), a database timeout or outage.</summary>
    private static bool IsTransient(Exception ex) =>
        ex is SuggesterUnavailableException and not SuggesterWarmingUpException and not SuggesterOverloadedException
            or TimeoutException or System.Data.Common.DbException;

    // The recorded result is the model's suggestions, merged into the item when it is written (so an editor's changes
    // made while the job waited are kept). Jobs recorded before that kept the merged list (a JSON array, or null when
    // the policy left the item alone); merging it again gives the same tags plus whatever the editor added since.
    private sealed record RecordedSuggestions(IReadOnlyList<string> Suggestions);

    private static string EncodeSuggestions(IReadOnlyList<string> suggestions) => JsonSerializer.Serialize(new RecordedSuggestions(suggestions));

    private static IReadOnlyList<string> DecodeSuggestions(string recorded) =>
        recorded.TrimStart().StartsWith('{')
            ? JsonSerializer.Deserialize<RecordedSuggestions>(recorded)?.Suggestions ?? []
            : JsonSerializer.Deserialize<string[]?>(recorded) ?? [];
}
