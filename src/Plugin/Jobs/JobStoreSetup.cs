using DynamicCot.Plugin.Configuration;
using Microsoft.Data.Sqlite;
using Quartz;

namespace DynamicCot.Plugin.Jobs;

/// <summary>Connection strings for Quartz's tables and the plugin's own tables, resolved from <see cref="JobStoreOptions"/>.</summary>
public sealed record ResolvedJobStore(JobStoreProvider Provider, string QuartzConnectionString, string PluginConnectionString, bool Clustered)
{
    /// <param name="contentRootPath">The site's root; a relative <see cref="JobStoreOptions.SqliteFolder"/> is under it.</param>
    public static ResolvedJobStore From(JobStoreOptions options, string contentRootPath)
    {
        if (options.Provider == JobStoreProvider.Postgres)
            return new ResolvedJobStore(JobStoreProvider.Postgres, options.ConnectionString!, options.ConnectionString!, options.Clustered);

        // Two files: Quartz's in-process SQLite lock handler and the plugin's progress writes then never contend.
        var folder = Path.GetFullPath(Path.Combine(contentRootPath, options.SqliteFolder));
        Directory.CreateDirectory(folder);
        string Sqlite(string file) => new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, file), Pooling = true }.ToString();
        return new ResolvedJobStore(JobStoreProvider.Sqlite, Sqlite("quartz.db"), Sqlite("dynamiccot.db"), Clustered: false);
    }
}

/// <summary>Configures Quartz's persistent store: SQLite on one server (Quartz refuses to cluster SQLite), PostgreSQL clustered across several.</summary>
public static class JobStoreSetup
{
    public static void Configure(IQuartzBuilder quartz, ResolvedJobStore store, JobStoreOptions options)
    {
        quartz.ConfigureScheduler(s =>
        {
            s.InstanceName = options.SchedulerName;
            // Idle nodes poll every second so a cluster shares new work at once (the default 30 s leaves it to one node).
            s.IdleWaitTime = TimeSpan.FromSeconds(1);
        });
        quartz.UseDefaultThreadPool(options.WorkerThreads);
        quartz.UsePersistentStore(persistent =>
        {
            if (store.Provider == JobStoreProvider.Postgres) persistent.UsePostgres(store.QuartzConnectionString);
            else persistent.UseSqlite(store.QuartzConnectionString);
            persistent.UseSystemTextJsonSerializer();
            // Creates the QRTZ_ tables when missing (scripts embedded in Quartz.dll); never alters or drops.
            persistent.ProvisionSchema();
            if (store.Clustered)
            {
                persistent.UseClustering(c =>
                {
                    c.CheckinInterval = TimeSpan.FromSeconds(5);
                    c.CheckinMisfireThreshold = TimeSpan.FromSeconds(15);
                });
            }
        });
    }
}
