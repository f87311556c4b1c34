using DynamicCot.Plugin.Configuration;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DynamicCot.Plugin.Jobs;

/// <summary>Where Hangfire's storage and the plugin's own tables are, resolved from <see cref="JobStoreOptions"/>.</summary>
/// <param name="HangfireLocation">SQLite: the database file; PostgreSQL: the connection string.</param>
/// <param name="SqliteFolder">SQLite: the folder of both files (and of the one-server lock file); null for PostgreSQL.</param>
public sealed record ResolvedJobStore(JobStoreProvider Provider, string HangfireLocation, string PluginConnectionString, string? SqliteFolder)
{
    /// <summary>Every node of a PostgreSQL store runs jobs; a SQLite store allows one server process.</summary>
    public bool SharedByNodes => Provider == JobStoreProvider.Postgres;

    /// <param name="contentRootPath">The site's root; a relative <see cref="JobStoreOptions.SqliteFolder"/> is under it.</param>
    public static ResolvedJobStore From(JobStoreOptions options, string contentRootPath)
    {
        if (options.Provider == JobStoreProvider.Postgres)
            return new ResolvedJobStore(JobStoreProvider.Postgres, options.ConnectionString!, options.ConnectionString!, null);

        // Two files: Hangfire's storage (sqlite-net) and the plugin's tables (Microsoft.Data.Sqlite) never contend for one lock.
        var folder = Path.GetFullPath(Path.Combine(contentRootPath, options.SqliteFolder));
        Directory.CreateDirectory(folder);
        var plugin = new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, "dynamiccot.db"), Pooling = true }.ToString();
        return new ResolvedJobStore(JobStoreProvider.Sqlite, Path.Combine(folder, "hangfire.db"), plugin, folder);
    }
}

/// <summary>
/// Creates Hangfire's storage. SQLite: one file in the site's data folder, for one server process (see
/// <see cref="SingleServerLock"/>). PostgreSQL: sliding invisibility, so a running job stays owned by its live node and
/// a dead node's job is taken by another after <see cref="JobStoreOptions.InvisibilityTimeout"/> (Hangfire's default is
/// 30 minutes); the schema is installed by one node at a time under an advisory lock and never by the storage itself,
/// because nodes starting together raced its own install.
/// </summary>
public static class JobStorageFactory
{
    /// <summary>PostgreSQL advisory lock held while Hangfire's schema is installed ("dcHF" in ASCII).</summary>
    public const long HangfireSchemaLockKey = 0x64634846;

    public static JobStorage Create(ResolvedJobStore store, JobStoreOptions options, ILogger logger)
    {
        if (store.Provider == JobStoreProvider.Postgres)
        {
            InstallPostgresSchema(store.HangfireLocation, options.PostgresSchema, logger);
            var postgres = new PostgreSqlStorageOptions
            {
                SchemaName = options.PostgresSchema,
                PrepareSchemaIfNecessary = false,
                UseSlidingInvisibilityTimeout = true,
                InvisibilityTimeout = options.InvisibilityTimeout,
                QueuePollInterval = options.QueuePollInterval,
                DistributedLockTimeout = TimeSpan.FromSeconds(30),
            };
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(store.HangfireLocation, postgres), postgres);
        }
        return new SQLiteStorage(store.HangfireLocation, new SQLiteStorageOptions
        {
            QueuePollInterval = options.QueuePollInterval,
            InvisibilityTimeout = options.SqliteInvisibilityTimeout,
        });
    }

    private static void InstallPostgresSchema(string connectionString, string schema, ILogger logger)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using (var command = new NpgsqlCommand($"SELECT pg_advisory_lock({HangfireSchemaLockKey})", connection)) command.ExecuteNonQuery();
        try
        {
            // Idempotent: the installer reads the schema's version and applies only the missing migrations.
            PostgreSqlObjectsInstaller.Install(connection, schema);
            logger.LogDebug("Hangfire schema '{Schema}' is installed", schema);
        }
        finally
        {
            using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({HangfireSchemaLockKey})", connection);
            unlock.ExecuteNonQuery();
        }
    }
}

/// <summary>This node's name: the Hangfire server name, and what a bulk job's per-node progress shows.</summary>
public sealed record NodeIdentity(string Name)
{
    public static NodeIdentity From(JobStoreOptions options) =>
        new(string.IsNullOrWhiteSpace(options.ServerName) ? $"{Environment.MachineName}:{Environment.ProcessId}" : options.ServerName.Trim());
}

/// <summary>The Hangfire queue of the plugin's jobs; its servers take only this queue, so a site's own jobs stay its own.</summary>
public static class JobQueues
{
    public const string Name = "dynamiccot";
}
