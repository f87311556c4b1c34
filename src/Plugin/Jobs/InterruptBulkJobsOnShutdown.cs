using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace DynamicCot.Plugin.Jobs;

/// <summary>Cancelled when this node begins to stop; running bulk jobs watch it, and report while they run.</summary>
public sealed class SchedulerStoppingSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly object _gate = new();
    private int _running;
    private TaskCompletionSource _idle = NewIdle(completed: true);

    public CancellationToken Token => _source.Token;

    public void Signal()
    {
        try { _source.Cancel(); } catch (ObjectDisposedException) { }
    }

    /// <summary>Marks a bulk job run on this node until the returned handle is disposed.</summary>
    public IDisposable EnterRun()
    {
        lock (_gate)
        {
            if (_running++ == 0) _idle = NewIdle(completed: false);
        }
        return new Run(this);
    }

    /// <summary>Completes when no bulk job runs on this node.</summary>
    public Task WhenIdle()
    {
        lock (_gate) return _idle.Task;
    }

    private void ExitRun()
    {
        lock (_gate)
        {
            if (--_running == 0) _idle.TrySetResult();
        }
    }

    private static TaskCompletionSource NewIdle(bool completed)
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed) idle.SetResult();
        return idle;
    }

    public void Dispose() => _source.Dispose();

    private sealed class Run(SchedulerStoppingSignal owner) : IDisposable
    {
        private int _disposed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.ExitRun();
        }
    }
}

/// <summary>
/// When the scheduler shuts down, tells running bulk jobs to stop after their in-flight items instead of holding the
/// shutdown for the whole job: Quartz's shutdown waits for jobs but does not signal them. Their remaining items stay
/// pending and <see cref="BulkJobResumer"/> restarts them on the next start. A hosted node does this earlier, in
/// <see cref="HandOverBulkJobsOnStop"/>; this listener covers a scheduler shut down directly.
/// </summary>
public sealed class InterruptBulkJobsOnShutdown(SchedulerStoppingSignal stopping) : ISchedulerListener
{
    public ValueTask SchedulerShuttingDown(IScheduler scheduler, CancellationToken cancellationToken = default)
    {
        stopping.Signal();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Stops this node's bulk jobs while its scheduler still runs (registered after Quartz's hosted service, so it stops
/// first): the scheduler goes to standby (this node takes no new triggers), running bulk jobs are told to stop after
/// their in-flight items, and each gives itself a new trigger that another cluster node picks up at once (or this
/// node on its next start, with SQLite). A shut-down scheduler refuses new triggers, hence before Quartz stops.
/// </summary>
public sealed class HandOverBulkJobsOnStop(ISchedulerFactory schedulerFactory, SchedulerStoppingSignal stopping, ILogger<HandOverBulkJobsOnStop> logger)
    : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulerFactory.GetScheduler(cancellationToken);
        if (scheduler.Status is SchedulerStatus.Running or SchedulerStatus.Created) await scheduler.Standby(cancellationToken);
        stopping.Signal();
        try
        {
            await stopping.WhenIdle().WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Bulk jobs did not stop within the host's shutdown time; Quartz's shutdown waits for them");
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
