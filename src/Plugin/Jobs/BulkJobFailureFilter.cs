using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.Logging;

namespace DynamicCot.Plugin.Jobs;

/// <summary>
/// Fails a bulk job, with the cause, when one of its Hangfire jobs (listing the items or a batch) runs out of retries,
/// so the job does not stay Running for ever; restart runs it again. It is a filter of the plugin's own Hangfire
/// server only (<see cref="PluginJobServer"/>), never of the site's global filters. It runs after
/// <see cref="Hangfire.AutomaticRetryAttribute"/> elects the next state: a failure that is still retried is elected
/// Scheduled, so a Failed candidate here means the retries are spent (Hangfire.Core 1.8.25, AutomaticRetryAttribute
/// OnStateElection; its Order is 20).
/// </summary>
public sealed class BulkJobFailureFilter(BulkJobStore store, ILogger<BulkJobFailureFilter> logger) : IJobFilterProvider, IElectStateFilter
{
    /// <summary>After every filter that may change the candidate state.</summary>
    private const int AfterRetries = 10_000;

    public IEnumerable<JobFilter> GetFilters(Job job) =>
        job?.Type == typeof(BulkRetagJob) ? [new JobFilter(this, JobFilterScope.Global, AfterRetries)] : [];

    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is not FailedState failed) return;
        if (context.BackgroundJob.Job.Args is not [Guid bulkJobId, ..] args) return;
        var what = args is [_, int batch, ..] ? $"batch {batch}" : "listing its items";
        var cause = $"Stopped: {what} failed after its retries ({failed.Exception.GetType().Name}: {failed.Exception.Message}). Restart the job once the cause is fixed.";
        // Election runs on a worker thread, outside the storage transaction; the plugin's tables are a separate store.
        if (store.TransitionAsync(bulkJobId, [BulkJobStatus.Queued, BulkJobStatus.Running], BulkJobStatus.Failed, CancellationToken.None, cause).GetAwaiter().GetResult())
            logger.LogWarning("Bulk job {JobId} failed: Running -> Failed, {Cause}", bulkJobId, cause);
    }
}
