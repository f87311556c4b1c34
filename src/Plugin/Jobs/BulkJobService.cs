using DynamicCot.Plugin.Content;
using Quartz;

namespace DynamicCot.Plugin.Jobs;

/// <summary>Starts, inspects, pauses, resumes and cancels bulk retag jobs.</summary>
public sealed class BulkJobService(BulkJobStore store, ISchedulerFactory schedulerFactory)
{
    public const string QuartzGroup = "dynamiccot-bulk";

    public async Task<BulkJobView> StartAsync(ContentSelection selection, CancellationToken cancellationToken)
    {
        if (selection.IsEmpty)
            throw new ArgumentException("Say which content to retag: rootId, documentType, or all.", nameof(selection));
        var id = await store.CreateAsync(selection, cancellationToken);
        await ScheduleAsync(id, cancellationToken);
        return await GetAsync(id, cancellationToken);
    }

    public async Task<BulkJobView> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) ?? throw new BulkJobNotFoundException(id);

    public Task<IReadOnlyList<BulkJobView>> ListAsync(CancellationToken cancellationToken) => store.ListAsync(50, cancellationToken);

    /// <summary>Stops the job after its current batch; the items left stay pending for <see cref="ResumeAsync"/>.</summary>
    public Task<BulkJobView> PauseAsync(Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(id, [BulkJobStatus.Queued, BulkJobStatus.Running], BulkJobStatus.Paused, "pause", cancellationToken);

    /// <summary>Stops the job after its current batch for good.</summary>
    public Task<BulkJobView> CancelAsync(Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(id, [BulkJobStatus.Queued, BulkJobStatus.Running, BulkJobStatus.Paused], BulkJobStatus.Cancelled, "cancel", cancellationToken);

    public async Task<BulkJobView> ResumeAsync(Guid id, CancellationToken cancellationToken)
    {
        var view = await ChangeAsync(id, [BulkJobStatus.Paused], BulkJobStatus.Running, "resume", cancellationToken);
        await ScheduleAsync(id, cancellationToken);
        return view;
    }

    /// <summary>Makes sure a Quartz job runs for this bulk job; a no-op when one is already scheduled or running.</summary>
    public async Task ScheduleAsync(Guid id, CancellationToken cancellationToken)
    {
        var scheduler = await schedulerFactory.GetScheduler(cancellationToken);
        var jobKey = new JobKey(id.ToString(), QuartzGroup);
        var detail = JobBuilder.Create<BulkRetagJob>()
            .WithIdentity(jobKey)
            .UsingJobData(BulkRetagJob.JobIdKey, id.ToString())
            .RequestRecovery() // a node that dies mid-job: another (or the restarted one) re-runs it
            .StoreDurably(false)
            .Build();
        var trigger = TriggerBuilder.Create().WithIdentity(id.ToString(), QuartzGroup).ForJob(jobKey).StartNow().Build();
        try
        {
            await scheduler.ScheduleJob(detail, trigger, cancellationToken: cancellationToken);
        }
        catch (ObjectAlreadyExistsException)
        {
            // Already scheduled or running; [DisallowConcurrentExecution] keeps it to one run at a time.
        }
    }

    private async Task<BulkJobView> ChangeAsync(Guid id, BulkJobStatus[] from, BulkJobStatus to, string verb, CancellationToken cancellationToken)
    {
        var current = await GetAsync(id, cancellationToken);
        if (!await store.TransitionAsync(id, from, to, cancellationToken))
            throw new BulkJobStateException($"Cannot {verb} bulk job {id}: it is {current.Status}; {verb} applies to {string.Join(" or ", from)} jobs.");
        return await GetAsync(id, cancellationToken);
    }
}
