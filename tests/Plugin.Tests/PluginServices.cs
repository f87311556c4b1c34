using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DynamicCot.Plugin.Tests;

/// <summary>
/// The plugin's services on a real SQLite job store (Hangfire's and the plugin's tables) in a test folder, with the
/// hosted services (the one-server lock, Hangfire's server) started and stopped as a host does.
/// </summary>
public sealed class PluginServices : IAsyncDisposable
{
    private readonly IReadOnlyList<IHostedService> _hosted;

    private PluginServices(ServiceProvider provider, IReadOnlyList<IHostedService> hosted)
    {
        Provider = provider;
        _hosted = hosted;
    }

    public ServiceProvider Provider { get; }
    public BulkJobService Jobs => Provider.GetRequiredService<BulkJobService>();

    /// <summary>The user bulk jobs of these tests are started by.</summary>
    public static readonly ContentActor Starter = new(7, "Test Editor");

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
        services.AddDynamicCot(config, folder);
        services.AddSingleton(content);
        services.AddSingleton<IMediaBytesSource>(new TestDoubles.DictionaryMedia());
        services.AddSingleton(suggester);
        var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        try
        {
            foreach (var service in hosted) await service.StartAsync(CancellationToken.None);
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
        return new PluginServices(provider, hosted);
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

    /// <summary>Stops as a host shutdown does (in reverse order): running jobs see their token fire and are requeued.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var service in _hosted.Reverse()) await service.StopAsync(CancellationToken.None);
        await Provider.DisposeAsync();
    }
}
