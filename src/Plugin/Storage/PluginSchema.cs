using System.Data.Common;
using System.Text.Json;
using static DynamicCot.Plugin.Storage.DbCommandExtensions;

namespace DynamicCot.Plugin.Storage;

/// <summary>
/// The plugin's tables and their versions. <c>dcot_schema</c> holds the version; a database from before versioning
/// (it has <c>dcot_bulk_jobs</c> but no <c>dcot_schema</c>) is version 1. Each step moves one version forward inside
/// the caller's transaction, so a failed upgrade leaves the previous version intact. Timestamps are ISO-8601 UTC text
/// and keys are Guid text, so one script fits SQLite and PostgreSQL.
/// </summary>
public static class PluginSchema
{
    /// <summary>PostgreSQL advisory lock held while the tables are upgraded ("dcot" in ASCII).</summary>
    public const long PostgresLockKey = 0x64636F74;

    public const int CurrentVersion = 3;

    /// <summary>Version 1: bulk jobs run as one job each, their items, and feedback.</summary>
    public const string Version1 = """
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

    /// <summary>
    /// Version 2: bulk jobs split into batches that every node works on (batch rows, the remaining-batches counter, the
    /// user who started the job), per-item results and leases (an item is written once, with one result), and the
    /// tags editors rejected per item.
    /// </summary>
    public const string Version2 = """
        ALTER TABLE dcot_bulk_jobs ADD COLUMN batch_size INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE dcot_bulk_jobs ADD COLUMN batches_total INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE dcot_bulk_jobs ADD COLUMN batches_remaining INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE dcot_bulk_jobs ADD COLUMN started_by TEXT NULL;
        ALTER TABLE dcot_bulk_job_items ADD COLUMN batch INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE dcot_bulk_job_items ADD COLUMN result TEXT NULL;
        ALTER TABLE dcot_bulk_job_items ADD COLUMN outcome TEXT NULL;
        ALTER TABLE dcot_bulk_job_items ADD COLUMN node TEXT NULL;
        ALTER TABLE dcot_bulk_job_items ADD COLUMN claimed_by TEXT NULL;
        ALTER TABLE dcot_bulk_job_items ADD COLUMN claimed_until TEXT NULL;
        CREATE INDEX ix_dcot_bulk_job_items_batch ON dcot_bulk_job_items (job_id, batch, state);
        CREATE TABLE dcot_bulk_job_batches (
            job_id TEXT NOT NULL,
            batch INTEGER NOT NULL,
            state TEXT NOT NULL,
            node TEXT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (job_id, batch)
        );
        CREATE TABLE dcot_rejected_tags (
            content_key TEXT NOT NULL,
            tag_key TEXT NOT NULL,
            tag TEXT NOT NULL,
            rejected_at TEXT NOT NULL,
            PRIMARY KEY (content_key, tag_key)
        );
        """;

    /// <summary>
    /// Version 3: the tags the plugin added to each item, so an editor's removal of one counts as a rejection of it
    /// for that item.
    /// </summary>
    public const string Version3 = """
        CREATE TABLE dcot_auto_tags (
            content_key TEXT NOT NULL,
            tag_key TEXT NOT NULL,
            tag TEXT NOT NULL,
            added_at TEXT NOT NULL,
            PRIMARY KEY (content_key, tag_key)
        );
        """;

    /// <summary>Items per batch given to jobs that existed before batches (version 1 ran them whole).</summary>
    public const int UpgradedBatchSize = 8;

    /// <summary>Brings the tables to <see cref="CurrentVersion"/>; returns the version found.</summary>
    public static async Task<int> UpgradeAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var found = await ReadVersionAsync(connection, transaction, cancellationToken);
        if (found > CurrentVersion)
            throw new InvalidOperationException(
                $"The plugin's tables are at schema version {found}, newer than this plugin's {CurrentVersion}: a newer version of the plugin created them. Upgrade the plugin on every node.");
        var version = found;
        if (version < 1)
        {
            await ExecuteAsync(connection, transaction, Version1, cancellationToken);
            await ExecuteAsync(connection, transaction, "CREATE TABLE dcot_schema (version INTEGER NOT NULL); INSERT INTO dcot_schema (version) VALUES (1);", cancellationToken);
            version = 1;
        }
        else if (!await TableExistsAsync(connection, transaction, "dcot_schema", cancellationToken))
        {
            await ExecuteAsync(connection, transaction, "CREATE TABLE dcot_schema (version INTEGER NOT NULL); INSERT INTO dcot_schema (version) VALUES (1);", cancellationToken);
        }
        if (version < 2)
        {
            await ExecuteAsync(connection, transaction, Version2, cancellationToken);
            await UpgradeBulkJobsToBatchesAsync(connection, transaction, cancellationToken);
            await CopyRejectedTagsFromFeedbackAsync(connection, transaction, cancellationToken);
            version = 2;
        }
        if (version < 3)
        {
            await ExecuteAsync(connection, transaction, Version3, cancellationToken);
            version = 3;
        }
        await ExecuteAsync(connection, transaction, $"UPDATE dcot_schema SET version = {version}", cancellationToken);
        return found;
    }

    /// <summary>0 = no tables yet, 1 = the tables from before versioning.</summary>
    public static async Task<int> ReadVersionAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        if (await TableExistsAsync(connection, transaction, "dcot_schema", cancellationToken))
        {
            await using var command = connection.Command("SELECT MAX(version) FROM dcot_schema");
            command.Transaction = transaction;
            return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken));
        }
        return await TableExistsAsync(connection, transaction, "dcot_bulk_jobs", cancellationToken) ? 1 : 0;
    }

    private static async Task<bool> TableExistsAsync(DbConnection connection, DbTransaction? transaction, string table, CancellationToken cancellationToken)
    {
        var sql = connection is Npgsql.NpgsqlConnection
            ? "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = @name"
            : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @name";
        await using var command = connection.Command(sql, ("@name", table));
        command.Transaction = transaction;
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken)) > 0;
    }

    /// <summary>
    /// Version 1 jobs ran as one job per bulk job. Their items get batches of <see cref="UpgradedBatchSize"/> in their
    /// order, finished batches are marked done, and unfinished jobs are paused with a note: resuming runs their pending
    /// batches on every node. Jobs never started (no items yet) stay queued and are prepared on resume.
    /// </summary>
    private static async Task UpgradeBulkJobsToBatchesAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, transaction, $"""
            UPDATE dcot_bulk_job_items SET batch = seq / {UpgradedBatchSize},
                outcome = CASE WHEN state = 'Pending' THEN NULL ELSE state END;
            INSERT INTO dcot_bulk_job_batches (job_id, batch, state, updated_at)
                SELECT job_id, batch, CASE WHEN SUM(CASE WHEN state = 'Pending' THEN 1 ELSE 0 END) > 0 THEN 'Pending' ELSE 'Done' END, MAX(updated_at)
                FROM dcot_bulk_job_items GROUP BY job_id, batch;
            UPDATE dcot_bulk_jobs SET batch_size = {UpgradedBatchSize},
                batches_total = (SELECT COUNT(*) FROM dcot_bulk_job_batches b WHERE b.job_id = dcot_bulk_jobs.id),
                batches_remaining = (SELECT COUNT(*) FROM dcot_bulk_job_batches b WHERE b.job_id = dcot_bulk_jobs.id AND b.state = 'Pending');
            UPDATE dcot_bulk_jobs SET status = 'Paused', error = 'Paused by the plugin upgrade (jobs now run in batches on every node): resume it to continue.'
                WHERE status IN ('Running', 'Queued');
            """, cancellationToken);
    }

    /// <summary>Rejections recorded as feedback before version 2 keep their tags off the items from now on.</summary>
    private static async Task CopyRejectedTagsFromFeedbackAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var rejections = new List<(string Key, string Tag, string At)>();
        await using (var select = connection.Command("SELECT content_key, rejected, created_at FROM dcot_feedback WHERE content_key IS NOT NULL ORDER BY created_at"))
        {
            select.Transaction = transaction;
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                foreach (var tag in JsonSerializer.Deserialize<string[]>(reader.GetString(1)) ?? [])
                    if (!string.IsNullOrWhiteSpace(tag)) rejections.Add((reader.GetString(0), tag.Trim(), reader.GetString(2)));
        }
        foreach (var (key, tag, at) in rejections)
        {
            await using var insert = connection.Command(
                "INSERT INTO dcot_rejected_tags (content_key, tag_key, tag, rejected_at) VALUES (@key, @tagKey, @tag, @at) ON CONFLICT (content_key, tag_key) DO NOTHING",
                ("@key", key), ("@tagKey", RejectedTagKey(tag)), ("@tag", tag), ("@at", at));
            insert.Transaction = transaction;
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Tags compare case-insensitively, as Umbraco's tag tables do.</summary>
    public static string RejectedTagKey(string tag) => tag.Trim().ToLowerInvariant();

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        // One statement per command: Npgsql and Microsoft.Data.Sqlite both run batches, but a failing statement is then
        // easier to name.
        foreach (var statement in sql.Split(';').Select(s => s.Trim()).Where(s => s.Length > 0))
        {
            await using var command = connection.Command(statement);
            command.Transaction = transaction;
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (DbException ex)
            {
                throw new InvalidOperationException($"Upgrading the plugin's tables failed at: {statement.Split('\n')[0]} … ({ex.Message})", ex);
            }
        }
    }
}
