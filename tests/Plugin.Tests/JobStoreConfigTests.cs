using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Jobs;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.Tests;

/// <summary>Job store settings resolved for Hangfire and the plugin's tables (no server needed).</summary>
public sealed class JobStoreConfigTests
{
    private static (ResolvedJobStore Store, DynamicCotOptions Options) Resolve(Dictionary<string, string?> settings)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddDynamicCot(config, Path.GetTempPath(), runJobs: false);
        using var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<ResolvedJobStore>(), provider.GetRequiredService<IOptions<DynamicCotOptions>>().Value);
    }

    [Fact]
    public void Postgres_settings_resolve_to_a_store_every_node_shares_with_invisibility_set_on_purpose()
    {
        const string cs = "Host=127.0.0.1;Port=5432;Database=site;Username=site;Password=secret";
        var (store, options) = Resolve(new()
        {
            ["DynamicCot:JobStore:Provider"] = "Postgres",
            ["DynamicCot:JobStore:ConnectionString"] = cs,
            ["DynamicCot:JobStore:ServerName"] = "gpu-node-1",
        });
        Assert.Equal(JobStoreProvider.Postgres, store.Provider);
        Assert.True(store.SharedByNodes);
        Assert.Equal(cs, store.PluginConnectionString);
        Assert.Equal(cs, store.HangfireLocation);
        // Not Hangfire's 30 minutes: a killed node's batch is taken by another within seconds.
        Assert.Equal(TimeSpan.FromSeconds(30), options.JobStore.InvisibilityTimeout);
        Assert.Equal("gpu-node-1", NodeIdentity.From(options.JobStore).Name);

        var server = new BackgroundJobServerOptions();
        DynamicCotServiceCollectionExtensions.ConfigureServer(server, NodeIdentity.From(options.JobStore), options.JobStore);
        Assert.Equal(["dynamiccot"], server.Queues);
        Assert.Equal("gpu-node-1", server.ServerName);
    }

    [Fact]
    public void Sqlite_store_is_for_one_server_and_lives_in_two_files_under_the_site_folder()
    {
        var (store, _) = Resolve(new() { ["DynamicCot:JobStore:SqliteFolder"] = "dynamiccot-config-test" });
        Assert.False(store.SharedByNodes);
        Assert.Equal(Path.Combine(Path.GetTempPath(), "dynamiccot-config-test", "hangfire.db"), store.HangfireLocation);
        Assert.Contains(Path.Combine(Path.GetTempPath(), "dynamiccot-config-test", "dynamiccot.db"), store.PluginConnectionString);
    }

    [Theory]
    [InlineData("DynamicCot:JobStore:InvisibilityTimeout", "00:00:01", "InvisibilityTimeout must be at least 5 seconds")]
    [InlineData("DynamicCot:JobStore:SqliteInvisibilityTimeout", "00:00:10", "SqliteInvisibilityTimeout must be at least a minute")]
    [InlineData("DynamicCot:JobStore:PostgresSchema", "Hang-Fire", "PostgresSchema must be lower-case")]
    public void Bad_job_store_settings_are_refused_naming_the_setting(string key, string value, string message)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(new() { [key] = value }));
        Assert.Contains(message, error.Message);
    }
}
