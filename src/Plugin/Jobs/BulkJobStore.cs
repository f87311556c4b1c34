using System.Data.Common;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Storage;
using static DynamicCot.Plugin.Storage.DbCommandExtensions;

namespace DynamicCot.Plugin.Jobs;

/// <summary>
/// Persists bulk jobs and one row per item (pending/done/failed), so a job resumes after a restart exactly where it
/// stopped and never redoes an item it finished. Progress counts are read from the item rows, so they cannot drift.
/// </summary>
public sealed class BulkJobStore(PluginDatabase database, TimeProvider clock)
{
    public async Task<Guid> CreateAsync(ContentSelection selection, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        var now = Timestamp(clock.GetUtcNow());
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "INSERT INTO dcot_bulk_jobs (id, root_key, document_type, all_content, status, created_at, updated_at) VALUES (@id, @root, @type, @all, @status, @now, @now)",
            ("@id", id.ToString()), ("@root", selection.RootKey?.ToString()), ("@type", selection.DocumentType),
            ("@all", selection.AllContent ? 1 : 0), ("@status", nameof(BulkJobStatus.Queued)), ("@now", now));
        await command.ExecuteNonQueryAsync(cancellationToken);
        return id;
    }

    /// <summary>Adds the items a job covers (once: existing rows are kept, so re-enumeration after a crash is harmless).</summary>
    public async Task AddItemsAsync(Guid jobId, IReadOnlyList<Guid> keys, CancellationToken cancellationToken)
    {
        var now = Timestamp(clock.GetUtcNow());
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        for (var i = 0; i < keys.Count; i++)
        {
            await using var command = connection.Command(
                "INSERT INTO dcot_bulk_job_items (job_id, seq, content_key, state, updated_at) VALUES (@job, @seq, @key, @state, @now) ON CONFLICT (job_id, content_key) DO NOTHING",
                ("@job", jobId.ToString()), ("@seq", i), ("@key", keys[i].ToString()), ("@state", nameof(BulkItemState.Pending)), ("@now", now));
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<Guid>> NextPendingAsync(Guid jobId, int count, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT content_key FROM dcot_bulk_job_items WHERE job_id = @job AND state = @state ORDER BY seq LIMIT @count",
            ("@job", jobId.ToString()), ("@state", nameof(BulkItemState.Pending)), ("@count", count));
        var keys = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) keys.Add(Guid.Parse(reader.GetString(0)));
        return keys;
    }

    /// <summary>Records an item's outcome. Only a pending item changes, so an item is finished at most once.</summary>
    public async Task<bool> FinishItemAsync(Guid jobId, Guid key, BulkItemState state, string? reason, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "UPDATE dcot_bulk_job_items SET state = @state, reason = @reason, attempts = attempts + 1, updated_at = @now WHERE job_id = @job AND content_key = @key AND state = @pending",
            ("@state", state.ToString()), ("@reason", reason), ("@now", Timestamp(clock.GetUtcNow())),
            ("@job", jobId.ToString()), ("@key", key.ToString()), ("@pending", nameof(BulkItemState.Pending)));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Counts a transient failure against an item that stays pending; returns the attempts so far.</summary>
    public async Task<int> CountAttemptAsync(Guid jobId, Guid key, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var update = connection.Command(
            "UPDATE dcot_bulk_job_items SET attempts = attempts + 1, reason = @reason, updated_at = @now WHERE job_id = @job AND content_key = @key",
            ("@reason", reason), ("@now", Timestamp(clock.GetUtcNow())), ("@job", jobId.ToString()), ("@key", key.ToString())))
            await update.ExecuteNonQueryAsync(cancellationToken);
        await using var select = connection.Command(
            "SELECT attempts FROM dcot_bulk_job_items WHERE job_id = @job AND content_key = @key",
            ("@job", jobId.ToString()), ("@key", key.ToString()));
        return Convert.ToInt32(await select.ExecuteScalarAsync(cancellationToken));
    }

    /// <summary>Moves a job to <paramref name="to"/> when its status is one of <paramref name="from"/>; returns whether it moved.</summary>
    public async Task<bool> TransitionAsync(Guid jobId, BulkJobStatus[] from, BulkJobStatus to, CancellationToken cancellationToken, string? error = null)
    {
        var now = clock.GetUtcNow();
        var sets = "status = @to, updated_at = @now, error = COALESCE(@error, error)";
        if (to is BulkJobStatus.Completed or BulkJobStatus.Cancelled) sets += ", finished_at = @now";
        if (to == BulkJobStatus.Running)
            sets += ", run_started_at = @now, run_processed_at_start = (SELECT COUNT(*) FROM dcot_bulk_job_items i WHERE i.job_id = @id AND i.state <> @pending)";
        var statusList = string.Join(", ", from.Select((_, i) => "@from" + i));
        var parameters = new List<(string, object?)>
        {
            ("@to", to.ToString()), ("@now", Timestamp(now)), ("@error", error), ("@id", jobId.ToString()), ("@pending", nameof(BulkItemState.Pending)),
        };
        parameters.AddRange(from.Select((s, i) => ("@from" + i, (object?)s.ToString())));
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command($"UPDATE dcot_bulk_jobs SET {sets} WHERE id = @id AND status IN ({statusList})", [.. parameters]);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<BulkJobView?> GetAsync(Guid jobId, CancellationToken cancellationToken, int maxFailures = 100)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var jobs = await ReadJobsAsync(connection, "WHERE id = @id", [("@id", jobId.ToString())], cancellationToken);
        if (jobs.Count == 0) return null;
        var failures = new List<BulkItemFailure>();
        await using var command = connection.Command(
            "SELECT content_key, reason, attempts FROM dcot_bulk_job_items WHERE job_id = @id AND state = @failed ORDER BY seq LIMIT @max",
            ("@id", jobId.ToString()), ("@failed", nameof(BulkItemState.Failed)), ("@max", maxFailures));
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                failures.Add(new BulkItemFailure(Guid.Parse(reader.GetString(0)), reader.IsDBNull(1) ? "" : reader.GetString(1), reader.GetInt32(2)));
        return jobs[0] with { Failures = failures };
    }

    public async Task<IReadOnlyList<BulkJobView>> ListAsync(int max, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadJobsAsync(connection, "ORDER BY j.created_at DESC LIMIT @max", [("@max", max)], cancellationToken);
    }

    /// <summary>Jobs a node must (re)start after a restart: queued or running when the previous process stopped.</summary>
    public async Task<IReadOnlyList<Guid>> ListUnfinishedRunningAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var jobs = await ReadJobsAsync(connection, "WHERE j.status IN ('Queued', 'Running')", [], cancellationToken);
        return jobs.Select(j => j.Id).ToList();
    }

    private async Task<List<BulkJobView>> ReadJobsAsync(DbConnection connection, string tail, (string, object?)[] parameters, CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT j.id, j.root_key, j.document_type, j.all_content, j.status, j.created_at, j.updated_at, j.finished_at,
                   j.run_started_at, j.run_processed_at_start, j.error,
                   (SELECT COUNT(*) FROM dcot_bulk_job_items i WHERE i.job_id = j.id) AS total,
                   (SELECT COUNT(*) FROM dcot_bulk_job_items i WHERE i.job_id = j.id AND i.state = 'Done') AS done,
                   (SELECT COUNT(*) FROM dcot_bulk_job_items i WHERE i.job_id = j.id AND i.state = 'Failed') AS failed
            FROM dcot_bulk_jobs j {tail}
            """;
        await using var command = connection.Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var result = new List<BulkJobView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var status = Enum.Parse<BulkJobStatus>(reader.GetString(4));
            int total = Convert.ToInt32(reader.GetValue(11)), done = Convert.ToInt32(reader.GetValue(12)), failed = Convert.ToInt32(reader.GetValue(13));
            var runStarted = ParseTimestamp(reader.GetValue(8));
            var finished = ParseTimestamp(reader.GetValue(7));
            var updated = ParseTimestamp(reader.GetValue(6))!.Value;
            var processedThisRun = done + failed - Convert.ToInt64(reader.GetValue(9));
            double? rate = null;
            TimeSpan? eta = null;
            if (runStarted is { } started && processedThisRun > 0)
            {
                var end = status == BulkJobStatus.Running ? now : updated;
                var seconds = Math.Max((end - started).TotalSeconds, 0.001);
                rate = processedThisRun / seconds;
                if (status == BulkJobStatus.Running) eta = TimeSpan.FromSeconds((total - done - failed) / rate.Value);
            }
            var selection = new ContentSelection(
                reader.IsDBNull(1) ? null : Guid.Parse(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                Convert.ToInt32(reader.GetValue(3)) == 1);
            result.Add(new BulkJobView(Guid.Parse(reader.GetString(0)), selection, status, total, done, failed, rate, eta,
                ParseTimestamp(reader.GetValue(5))!.Value, updated, finished, reader.IsDBNull(10) ? null : reader.GetString(10), []));
        }
        return result;
    }
}
