using Quartz;

namespace DynamicCot.Plugin.Jobs;

/// <summary>Cancelled when this node's scheduler begins to shut down; running bulk jobs watch it.</summary>
public sealed class SchedulerStoppingSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();

    public CancellationToken Token => _source.Token;

    public void Signal() => _source.Cancel();

    public void Dispose() => _source.Dispose();
}

/// <summary>
/// When the scheduler shuts down (host stopping), tells running bulk jobs to stop after their in-flight items instead
/// of holding the shutdown for the whole job: Quartz's shutdown waits for jobs but does not signal them. Their remaining
/// items stay pending and <see cref="BulkJobResumer"/> restarts them on the next start.
/// </summary>
public sealed class InterruptBulkJobsOnShutdown(SchedulerStoppingSignal stopping) : ISchedulerListener
{
    public ValueTask SchedulerShuttingDown(IScheduler scheduler, CancellationToken cancellationToken = default)
    {
        stopping.Signal();
        return ValueTask.CompletedTask;
    }
}
