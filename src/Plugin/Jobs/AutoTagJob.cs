using DynamicCot.Plugin.Tagging;
using Microsoft.Extensions.Logging;
using Quartz;

namespace DynamicCot.Plugin.Jobs;

/// <summary>Tags one item after it was published (enqueued by <see cref="AutoTagQueue"/>).</summary>
public sealed class AutoTagJob(ContentTagger tagger, ILogger<AutoTagJob> logger) : IJob
{
    public const string ContentKeyKey = "contentKey";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var key = Guid.Parse(context.MergedJobDataMap.GetString(ContentKeyKey)!);
        try
        {
            var outcome = await tagger.TagAsync(key, cancellationToken);
            logger.LogInformation("Auto-tag {Key}: {Outcome}", key, outcome.Kind);
        }
        catch (ContentNotTaggableException ex)
        {
            // Not retryable (deleted item, unconfigured type): log and drop.
            logger.LogWarning("Auto-tag {Key} skipped: {Reason}", key, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Quartz records the failure; the job has RequestRecovery for crashes, not for model errors.
            throw new JobExecutionException($"Auto-tag of {key} failed: {ex.Message}", ex);
        }
    }
}

/// <summary>Queues auto-tag work for published items.</summary>
public interface IAutoTagQueue
{
    Task EnqueueAsync(Guid contentKey, CancellationToken cancellationToken);
}

/// <summary>Queues one persistent Quartz job per item; a second publish while one is waiting joins it.</summary>
public sealed class AutoTagQueue(ISchedulerFactory schedulerFactory) : IAutoTagQueue
{
    public const string QuartzGroup = "dynamiccot-autotag";

    public async Task EnqueueAsync(Guid contentKey, CancellationToken cancellationToken)
    {
        var scheduler = await schedulerFactory.GetScheduler(cancellationToken);
        var jobKey = new JobKey(contentKey.ToString(), QuartzGroup);
        var detail = JobBuilder.Create<AutoTagJob>()
            .WithIdentity(jobKey)
            .UsingJobData(AutoTagJob.ContentKeyKey, contentKey.ToString())
            .RequestRecovery()
            .Build();
        var trigger = TriggerBuilder.Create().WithIdentity(contentKey.ToString(), QuartzGroup).ForJob(jobKey).StartNow().Build();
        try
        {
            await scheduler.ScheduleJob(detail, trigger, cancellationToken: cancellationToken);
        }
        catch (ObjectAlreadyExistsException)
        {
            // Already waiting: it will read the latest content when it runs.
        }
    }
}
