using System.Collections.Concurrent;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Jobs;
using DynamicCot.Plugin.Tests.TestDoubles;
using DynamicCot.Tests.Shared;
using Hangfire;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DynamicCot.Plugin.Tests;

/// <summary>A site that runs Hangfire itself (Cultiv.Hangfire, or its own <c>AddHangfire</c>) and adds the plugin.</summary>
[Collection(ProcessWideHangfireCollection.Name)]
public sealed class SiteHangfireTests
{
    /// <summary>A job of the site's own.</summary>
    public sealed class SiteJob
    {
        public static readonly ConcurrentQueue<string> Runs = new();

        public void Run(string message) => Runs.Enqueue(message);
    }

    [Fact]
    public async Task A_site_with_its_own_Hangfire_keeps_its_storage_its_client_and_its_jobs_while_the_plugins_jobs_run_in_the_plugins_store()
    {
        using var folder = TestPaths.NewTempFolder();
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DynamicCot:JobStore:SqliteFolder"] = Path.Combine(folder.Path, "jobs"),
            ["DynamicCot:DocumentTypes:post:TagsProperty"] = "tags",
            ["DynamicCot:MinConfidence"] = "0",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IHostApplicationLifetime, Microsoft.Extensions.Hosting.Internal.ApplicationLifetime>();
        // The site's Hangfire, as a site's Program.cs or Cultiv.Hangfire sets it up (its own SQLite file, default queue).
        var siteFile = Path.Combine(folder.Path, "site-hangfire.db");
        services.AddHangfire(c => c.UseSQLiteStorage(siteFile, new SQLiteStorageOptions { QueuePollInterval = TimeSpan.FromMilliseconds(200) }).UseLogProvider(HangfireLogBridge.Instance));
        services.AddHangfireServer(o => o.SchedulePollingInterval = TimeSpan.FromSeconds(1));
        services.AddDynamicCot(config, folder.Path);
        var content = new RecordingContentRepository();
        var item = content.Add("Harbour lighthouse at dusk");
        services.AddSingleton<IContentRepository>(content);
        services.AddSingleton<IMediaBytesSource>(new DictionaryMedia());
        services.AddSingleton<IKeyphraseSuggester>(new WordSuggester());
        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted) await service.StartAsync(CancellationToken.None);
        ((Microsoft.Extensions.Hosting.Internal.ApplicationLifetime)provider.GetRequiredService<IHostApplicationLifetime>()).NotifyStarted();
        try
        {
            var siteStorage = provider.GetRequiredService<JobStorage>();
            var pluginStorage = provider.GetRequiredKeyedService<JobStorage>(PluginHangfire.Key);
            Assert.NotSame(siteStorage, pluginStorage);

            // The site's job goes to the site's store and runs on the site's server.
            var message = Guid.NewGuid().ToString();
            var siteJob = provider.GetRequiredService<IBackgroundJobClient>().Enqueue<SiteJob>(j => j.Run(message));
            await WaitAsync(() => SiteJob.Runs.Contains(message), "the site's job");
            // (Both SQLite stores number their jobs from 1, so a job is told apart by what it runs.)
            Assert.Equal(typeof(SiteJob), JobType(siteStorage, siteJob));
            Assert.NotEqual(typeof(SiteJob), JobType(pluginStorage, siteJob));

            // The plugin's auto-tag job goes to the plugin's store and runs on the plugin's server.
            var autoTag = await provider.GetRequiredService<IAutoTagQueue>().EnqueueAsync(item, ContentActor.System, CancellationToken.None);
            await WaitAsync(() => content.Writes.ContainsKey(item), "the plugin's job");
            Assert.Equal(typeof(AutoTagJob), JobType(pluginStorage, autoTag));
            Assert.NotEqual(typeof(AutoTagJob), JobType(siteStorage, autoTag));
            Assert.Equal(1, siteStorage.GetMonitoringApi().SucceededListCount());
        }
        finally
        {
            foreach (var service in Enumerable.Reverse(hosted)) await service.StopAsync(CancellationToken.None);
        }
    }

    private static Type? JobType(JobStorage storage, string id)
    {
        using var connection = storage.GetConnection();
        return connection.GetJobData(id)?.Job?.Type;
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
