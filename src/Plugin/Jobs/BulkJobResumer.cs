using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DynamicCot.Plugin.Jobs;

/// <summary>
/// At start-up, reschedules bulk jobs that were queued or running when the process stopped. A graceful shutdown ends
/// the Quartz run (its trigger is spent) while the job record still says Running; this puts it back on the schedule.
/// </summary>
public sealed class BulkJobResumer(BulkJobStore store, BulkJobService jobs, ILogger<BulkJobResumer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var id in await store.ListUnfinishedRunningAsync(cancellationToken))
        {
            logger.LogInformation("Resuming bulk job {JobId} after restart", id);
            await jobs.ScheduleAsync(id, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
