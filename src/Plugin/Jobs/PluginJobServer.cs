using DynamicCot.Plugin.Configuration;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DynamicCot.Plugin.Jobs;

/// <summary>The key of the plugin's own Hangfire services (storage, client) in the container.</summary>
public static class PluginHangfire
{
    public const string Key = "DynamicCot";
}

/// <summary>
/// Runs the plugin's Hangfire server on the plugin's storage, with this container's job activator, and never stops the
/// site from starting: when a SQLite store's one-server lock is held by another process (an overlapped IIS recycle, a
/// second site on the same folder), this process's plugin jobs pause with a health message and the server starts as
/// soon as the lock comes free; the site runs on, and its editors can still use suggestions.
/// </summary>
public sealed class PluginJobServer(
    JobStorage storage,
    ResolvedJobStore store,
    NodeIdentity node,
    JobStoreOptions options,
    IServiceScopeFactory scopes,
    PluginHealth health,
    BulkJobFailureFilter failureFilter,
    ILoggerFactory loggers) : IHostedService, IDisposable
{
    /// <summary>How often a process waiting for the one-server lock tries again.</summary>
    public static TimeSpan LockRetry { get; set; } = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger = loggers.CreateLogger<PluginJobServer>();
    private readonly CancellationTokenSource _stopping = new();
    private SingleServerLock? _lock;
    private BackgroundJobServer? _server;
    private Task? _waiting;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        HangfireLogBridge.Use(loggers);
        if (store.SharedByNodes)
        {
            StartServer();
            return Task.CompletedTask;
        }
        _lock = new SingleServerLock(store);
        if (_lock.TryAcquire() is { } refused)
        {
            health.JobsPaused(refused + " The plugin's jobs wait on this process until it is free; the site runs on.");
            _logger.LogWarning("DynamicCot jobs paused on this process: {Reason}", refused);
            _waiting = WaitForLockAsync(_stopping.Token);
            return Task.CompletedTask;
        }
        StartServer();
        return Task.CompletedTask;
    }

    private async Task WaitForLockAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(LockRetry, cancellationToken);
                if (_lock!.TryAcquire() is not null) continue;
                StartServer();
                health.JobsRunning();
                _logger.LogInformation("DynamicCot jobs resumed: this process now serves the SQLite job store");
                return;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void StartServer()
    {
        var server = new BackgroundJobServerOptions();
        DynamicCotServiceCollectionExtensions.ConfigureServer(server, node, options);
        // Hangfire's activator (a DI scope per job run, disposed after it) over this container, not the process-wide one.
        server.Activator = new Hangfire.AspNetCore.AspNetCoreJobActivator(scopes);
        // Hangfire's own providers (method attributes such as AutomaticRetry, and the site's global filters, read only)
        // plus the plugin's: on this server only.
        server.FilterProvider = new Hangfire.Common.JobFilterProviderCollection(
            Hangfire.Common.JobFilterProviders.Providers, failureFilter);
        lock (_stopping)
        {
            if (_stopping.IsCancellationRequested) return;
            _server = new BackgroundJobServer(server, storage);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        BackgroundJobServer? server;
        lock (_stopping)
        {
            _stopping.Cancel();
            server = _server;
        }
        if (_waiting is not null) await _waiting;
        if (server is not null)
        {
            server.SendStop();
            await server.WaitForShutdownAsync(cancellationToken);
        }
        Dispose();
    }

    public void Dispose()
    {
        _server?.Dispose();
        _server = null;
        // After the server stopped: the next process may take the store.
        _lock?.Dispose();
        _lock = null;
    }
}
