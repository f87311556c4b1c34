using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Quartz;

namespace DynamicCot.Plugin.Tests;

/// <summary>The plugin's services on a real SQLite job store in a test folder, with the scheduler started by hand.</summary>
public sealed class PluginServices : IAsyncDisposable
{
    private PluginServices(ServiceProvider provider, IScheduler scheduler)
    {
        Provider = provider;
        Scheduler = scheduler;
    }

    public ServiceProvider Provider { get; }
    public IScheduler Scheduler { get; }
    public BulkJobService Jobs => Provider.GetRequiredService<BulkJobService>();

    public static async Task<PluginServices> StartAsync(string folder, IContentRepository content, IKeyphraseSuggester suggester,
        Dictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["DynamicCot:JobStore:SqliteFolder"] = Path.Combine(folder, "jobs"),
            ["DynamicCot:DocumentTypes:post:TagsProperty"] = "tags",
            ["DynamicCot:MinConfidence"] = "0",
            ["DynamicCot:Throttle:MaxItemsPerSecond"] = "1000",
            ["DynamicCot:Throttle:BulkBatchSize"] = "4",
        };
        foreach (var (k, v) in settings ?? []) values[k] = v;
        var config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddDynamicCot(config, folder, startScheduler: false);
        services.AddSingleton(content);
        services.AddSingleton<IMediaBytesSource>(new TestDoubles.DictionaryMedia());
        services.AddSingleton(suggester);
        var provider = services.BuildServiceProvider();
        var scheduler = await provider.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.Start();
        await provider.GetRequiredService<BulkJobResumer>().StartAsync(CancellationToken.None);
        return new PluginServices(provider, scheduler);
    }

    public async Task<BulkJobView> WaitAsync(Guid jobId, Func<BulkJobView, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var view = await Jobs.GetAsync(jobId, CancellationToken.None);
            if (condition(view)) return view;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Job {jobId} did not reach the expected state: {view}");
            await Task.Delay(50);
        }
    }

    /// <summary>Stops the scheduler as a host shutdown does: running jobs are signalled and awaited.</summary>
    public async ValueTask DisposeAsync()
    {
        await Scheduler.Shutdown(waitForJobsToComplete: true);
        await Provider.DisposeAsync();
    }
}
