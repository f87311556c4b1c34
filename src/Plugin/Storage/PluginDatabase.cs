using System.Data.Common;
using DynamicCot.Plugin.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace DynamicCot.Plugin.Storage;

/// <summary>
/// Opens connections to the database that holds the plugin's own tables (bulk jobs, their items, feedback): a SQLite
/// file next to Hangfire's, or the PostgreSQL database every node shares. The SQL used is common to both; the schema is
/// versioned and upgraded on first use (<see cref="PluginSchema"/>).
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
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // Cluster nodes starting together would race the upgrade (PostgreSQL fails CREATE TABLE IF NOT EXISTS with a
            // duplicate key in pg_type): one node at a time upgrades, under a transaction-scoped advisory lock. SQLite
            // takes its write lock at the first statement of the transaction.
            if (Provider == JobStoreProvider.Postgres)
                await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({PluginSchema.PostgresLockKey})", cancellationToken, transaction);
            await PluginSchema.UpgradeAsync(connection, transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            _schemaReady = true;
        }
        finally
        {
            _schemaLock.Release();
        }
    }

    internal static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken, DbTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
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
