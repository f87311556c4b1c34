using System.Data.Common;
using DynamicCot.Plugin.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace DynamicCot.Plugin.Storage;

/// <summary>
/// Opens connections to the database that holds the plugin's own tables (bulk jobs, their items, feedback): a SQLite
/// file next to Quartz's, or the shared PostgreSQL database when clustered. The SQL used is common to both.
/// </summary>
public sealed class PluginDatabase
{
    private readonly Func<DbConnection> _create;
    private readonly SemaphoreSlim _schemaLock = new(1, 1);
    private volatile bool _schemaReady;

    public PluginDatabase(JobStoreProvider provider, string connectionString)
    {
        Provider = provider;
        _create = provider == JobStoreProvider.Postgres
            ? () => new NpgsqlConnection(connectionString)
            : () => new SqliteConnection(connectionString);
    }

    public JobStoreProvider Provider { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = _create();
        await connection.OpenAsync(cancellationToken);
        if (Provider == JobStoreProvider.Sqlite)
        {
            // WAL lets readers (progress polling) run while a job writes; busy_timeout waits out short write locks.
            await ExecuteAsync(connection, "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;", cancellationToken);
        }
        if (!_schemaReady) await EnsureSchemaAsync(connection, cancellationToken);
        return connection;
    }

    private async Task EnsureSchemaAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await _schemaLock.WaitAsync(cancellationToken);
        try
        {
            if (_schemaReady) return;
            if (Provider == JobStoreProvider.Postgres)
            {
                // Cluster nodes starting together would race CREATE TABLE IF NOT EXISTS (PostgreSQL then fails with a
                // duplicate key in pg_type): one node at a time creates the tables, under a transaction-scoped lock.
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({PluginSchema.PostgresLockKey}); {PluginSchema.Create}", cancellationToken, transaction);
                await transaction.CommitAsync(cancellationToken);
            }
            else
            {
                await ExecuteAsync(connection, PluginSchema.Create, cancellationToken);
            }
            _schemaReady = true;
        }
        finally
        {
            _schemaLock.Release();
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken, DbTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>The plugin's tables. Timestamps are ISO-8601 UTC text and keys are Guid text, so one script fits SQLite and PostgreSQL.</summary>
internal static class PluginSchema
{
    /// <summary>PostgreSQL advisory lock held while the tables are created ("dcot" in ASCII).</summary>
    public const long PostgresLockKey = 0x64636F74;

    public const string Create = """
        CREATE TABLE IF NOT EXISTS dcot_bulk_jobs (
            id TEXT PRIMARY KEY,
            root_key TEXT NULL,
            document_type TEXT NULL,
            all_content INTEGER NOT NULL,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            finished_at TEXT NULL,
            run_started_at TEXT NULL,
            run_processed_at_start BIGINT NOT NULL DEFAULT 0,
            error TEXT NULL
        );
        CREATE TABLE IF NOT EXISTS dcot_bulk_job_items (
            job_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            content_key TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            reason TEXT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (job_id, content_key)
        );
        CREATE INDEX IF NOT EXISTS ix_dcot_bulk_job_items_state ON dcot_bulk_job_items (job_id, state, seq);
        CREATE TABLE IF NOT EXISTS dcot_feedback (
            id TEXT PRIMARY KEY,
            content_key TEXT NULL,
            text TEXT NOT NULL,
            image TEXT NULL,
            accepted TEXT NOT NULL,
            rejected TEXT NOT NULL,
            added TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        """;
}

internal static class DbCommandExtensions
{
    public static DbCommand Command(this DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    public static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("O");

    public static DateTimeOffset? ParseTimestamp(object value) =>
        value is DBNull or null ? null : DateTimeOffset.Parse((string)value, System.Globalization.CultureInfo.InvariantCulture);
}
