using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Quartz;

namespace DynamicCot.Plugin.Tests;

/// <summary>Job store settings resolved for Quartz (no server needed). Quartz 4 keeps clustering in typed options, not in ToProperties(), so Quartz-level clustering is not asserted here.</summary>
public sealed class PostgresJobStoreConfigTests
{
    private static string? schedulerName;

    private static Dictionary<string, string?> QuartzProperties(Dictionary<string, string?> settings, out ResolvedJobStore store)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddDynamicCot(config, Path.GetTempPath(), startScheduler: false);

        using var provider = services.BuildServiceProvider();
        store = provider.GetRequiredService<ResolvedJobStore>();
        schedulerName = provider.GetRequiredService<IOptions<DynamicCotOptions>>().Value.JobStore.SchedulerName;
        return provider.GetRequiredService<IOptions<QuartzOptions>>().Value.ToProperties();
    }

    [Fact]
    public void Postgres_settings_resolve_to_a_clustered_store_whose_connection_Quartz_and_the_plugin_tables_share()
    {
        const string cs = "Host=127.0.0.1;Port=5432;Database=site;Username=site;Password=secret";
        _ = QuartzProperties(new()
        {
            ["DynamicCot:JobStore:Provider"] = "Postgres",
            ["DynamicCot:JobStore:ConnectionString"] = cs,
            ["DynamicCot:JobStore:SchedulerName"] = "gpu-farm",
        }, out var store);

        Assert.Equal(JobStoreProvider.Postgres, store.Provider);
        Assert.True(store.Clustered);
        Assert.Equal(cs, store.PluginConnectionString);
        Assert.Equal(cs, store.QuartzConnectionString);
        // Nodes of one cluster share the scheduler name.
        Assert.Equal("gpu-farm", schedulerName);
    }

    [Fact]
    public void Sqlite_store_is_never_clustered_and_lives_in_two_files_under_the_site_folder()
    {
        var properties = QuartzProperties(new() { ["DynamicCot:JobStore:SqliteFolder"] = "dynamiccot-config-test" }, out var store);
        Assert.False(store.Clustered);
        Assert.Contains(Path.Combine(Path.GetTempPath(), "dynamiccot-config-test", "quartz.db"), store.QuartzConnectionString);
        Assert.Contains(Path.Combine(Path.GetTempPath(), "dynamiccot-config-test", "dynamiccot.db"), store.PluginConnectionString);
    }
}
