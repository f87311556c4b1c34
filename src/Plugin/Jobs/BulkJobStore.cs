using System.Data.Common;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Storage;
using static DynamicCot.Plugin.Storage.DbCommandExtensions;

namespace DynamicCot.Plugin.Jobs;

/// <summary>
/// Persists bulk jobs, their batches and one row per item, so every node works on the same job and a job survives any
/// node stopping or dying: an item is claimed for a lease before it is worked on, its result (the model's suggestions) is
/// recorded before it is written, and it is finished once. Progress counts are read from the item rows, so they cannot
/// drift; "all batches done" is a counter decremented once per batch, so exactly one node completes the job.
/// </summary>
public sealed class BulkJobStore(PluginDatabase database, TimeProvider clock)
{
    public async Task<Guid> CreateAsync(ContentSelection selection, ContentActor startedBy, int batchSize, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        var now = Timestamp(clock.GetUtcNow());
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "INSERT INTO dcot_bulk_jobs (id, root_key, document_type, all_content, status, created_at, updated_at, batch_size, started_by) VALUES (@id, @root, @type, @all, @status, @now, @now, @size, @by)",
            ("@id", id.ToString()), ("@root", selection.RootKey?.ToString()), ("@type", selection.DocumentType),
            ("@all", selection.AllContent ? 1 : 0), ("@status", nameof(BulkJobStatus.Queued)), ("@now", now), ("@size", batchSize),
            ("@by", EncodeActor(startedBy)));
        await command.ExecuteNonQueryAsync(cancellationToken);
        return id;
    }

    /// <summary>
    /// Moves a queued job to running with its items split into batches, in one transaction, so a crash leaves it
    /// either queued (prepared again) or complete. A job with no items completes at once.
    /// </summary>
    /// <returns>False when the job was not queued (another run prepared it).</returns>
    public async Task<bool> PrepareAsync(Guid jobId, IReadOnlyList<Guid> keys, CancellationToken cancellationToken)
    {
        var now = Timestamp(clock.GetUtcNow());
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        int batchSize;
        await using (var claim = connection.Command(
            "UPDATE dcot_bulk_jobs SET status = @running, updated_at = @now, run_started_at = @now, run_processed_at_start = 0 WHERE id = @id AND status = @queued RETURNING batch_size",
            ("@running", nameof(BulkJobStatus.Running)), ("@now", now), ("@id", jobId.ToString()), ("@queued", nameof(BulkJobStatus.Queued))))
        {
            claim.Transaction = transaction;
            var size = await claim.ExecuteScalarAsync(cancellationToken);
            if (size is null) return false;
            batchSize = Math.Max(1, Convert.ToInt32(size));
        }
        for (var i = 0; i < keys.Count; i++)
        {
            await using var item = connection.Command(
                "INSERT INTO dcot_bulk_job_items (job_id, seq, content_key, state, updated_at, batch) VALUES (@job, @seq, @key, @state, @now, @batch) ON CONFLICT (job_id, content_key) DO NOTHING",
                ("@job", jobId.ToString()), ("@seq", i), ("@key", keys[i].ToString()), ("@state", nameof(BulkItemState.Pending)), ("@now", now), ("@batch", i / batchSize));
            item.Transaction = transaction;
            await item.ExecuteNonQueryAsync(cancellationToken);
        }
        var batches = (keys.Count + batchSize - 1) / batchSize;
        for (var b = 0; b < batches; b++)
        {
            await using var batch = connection.Command(
                "INSERT INTO dcot_bulk_job_batches (job_id, batch, state, updated_at) VALUES (@job, @batch, 'Pending', @now)",
                ("@job", jobId.ToString()), ("@batch", b), ("@now", now));
            batch.Transaction = transaction;
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var counts = connection.Command(
            "UPDATE dcot_bulk_jobs SET batches_total = @n, batches_remaining = @n, status = CASE WHEN @n = 0 THEN 'Completed' ELSE status END, finished_at = CASE WHEN @n = 0 THEN @now ELSE NULL END WHERE id = @id",
            ("@n", batches), ("@now", now), ("@id", jobId.ToString())))
        {
            counts.Transaction = transaction;
            await counts.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Batches with items still to do, in order.</summary>
    public async Task<IReadOnlyList<int>> PendingBatchesAsync(Guid jobId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT batch FROM dcot_bulk_job_batches WHERE job_id = @job AND state = 'Pending' ORDER BY batch", ("@job", jobId.ToString()));
        var batches = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) batches.Add(Convert.ToInt32(reader.GetValue(0)));
        return batches;
    }

    public async Task<(BulkJobStatus Status, ContentActor StartedBy, ContentSelection Selection)?> GetHeaderAsync(Guid jobId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT status, started_by, root_key, document_type, all_content FROM dcot_bulk_jobs WHERE id = @id", ("@id", jobId.ToString()));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return (Enum.Parse<BulkJobStatus>(reader.GetString(0)), DecodeActor(reader.IsDBNull(1) ? null : reader.GetString(1)),
            new ContentSelection(reader.IsDBNull(2) ? null : Guid.Parse(reader.GetString(2)), reader.IsDBNull(3) ? null : reader.GetString(3),
                Convert.ToInt32(reader.GetValue(4)) == 1));
    }

    /// <summary>
    /// Claims the batch's next pending item not leased by a live claim, for <paramref name="lease"/>. Returns its key and
    /// the result an earlier run recorded (null when none), or null when no item is free.
    /// </summary>
    public async Task<(Guid Key, string? Result)?> ClaimNextAsync(Guid jobId, int batch, string node, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            UPDATE dcot_bulk_job_items SET claimed_by = @node, claimed_until = @until
            WHERE job_id = @job AND state = 'Pending' AND (claimed_until IS NULL OR claimed_until < @now)
              AND content_key = (SELECT content_key FROM dcot_bulk_job_items
                                 WHERE job_id = @job AND batch = @batch AND state = 'Pending' AND (claimed_until IS NULL OR claimed_until < @now)
                                 ORDER BY seq LIMIT 1)
            RETURNING content_key, result
            """,
            ("@node", node), ("@until", Timestamp(now + lease)), ("@now", Timestamp(now)), ("@job", jobId.ToString()), ("@batch", batch));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return (Guid.Parse(reader.GetString(0)), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <summary>Whether the batch has pending items (free or leased).</summary>
    public async Task<bool> HasPendingAsync(Guid jobId, int batch, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("SELECT COUNT(*) FROM dcot_bulk_job_items WHERE job_id = @job AND batch = @batch AND state = 'Pending'",
            ("@job", jobId.ToString()), ("@batch", batch));
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken)) > 0;
    }

    /// <summary>Records the item's result unless one is recorded already; returns the recorded one (the first wins).</summary>
    public async Task<string> RecordResultAsync(Guid jobId, Guid key, string result, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var update = connection.Command("UPDATE dcot_bulk_job_items SET result = @result WHERE job_id = @job AND content_key = @key AND result IS NULL",
            ("@result", result), ("@job", jobId.ToString()), ("@key", key.ToString())))
            await update.ExecuteNonQueryAsync(cancellationToken);
        await using var select = connection.Command("SELECT result FROM dcot_bulk_job_items WHERE job_id = @job AND content_key = @key",
            ("@job", jobId.ToString()), ("@key", key.ToString()));
        return (string)(await select.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Extends this node's live claim on a pending item by <paramref name="lease"/> from now; false when the claim was lost.</summary>
    public async Task<bool> RenewClaimAsync(Guid jobId, Guid key, string node, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "UPDATE dcot_bulk_job_items SET claimed_until = @until WHERE job_id = @job AND content_key = @key AND claimed_by = @node AND state = 'Pending'",
            ("@until", Timestamp(clock.GetUtcNow() + lease)), ("@job", jobId.ToString()), ("@key", key.ToString()), ("@node", node));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Gives up this node's claim on an item (a stopping node, or an item to retry later), free after <paramref name="after"/>.</summary>
    public async Task ReleaseClaimAsync(Guid jobId, Guid key, string node, TimeSpan after, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "UPDATE dcot_bulk_job_items SET claimed_until = @until WHERE job_id = @job AND content_key = @key AND claimed_by = @node AND state = 'Pending'",
            ("@until", after <= TimeSpan.Zero ? null : Timestamp(clock.GetUtcNow() + after)), ("@job", jobId.ToString()), ("@key", key.ToString()), ("@node", node));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Marks a batch done once it has no pending items and counts it off the job; the node whose count reaches zero
    /// completes the job. Both updates happen in one transaction and each only once, however many runs of the batch
    /// (or nodes) get here.
    /// </summary>
    /// <returns>True when this call completed the whole job.</returns>
    public async Task<bool> FinishBatchAsync(Guid jobId, int batch, string node, CancellationToken cancellationToken)
    {
        var now = Timestamp(clock.GetUtcNow());
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var done = connection.Command("""
            UPDATE dcot_bulk_job_batches SET state = 'Done', node = @node, updated_at = @now
            WHERE job_id = @job AND batch = @batch AND state = 'Pending'
              AND NOT EXISTS (SELECT 1 FROM dcot_bulk_job_items i WHERE i.job_id = @job AND i.batch = @batch AND i.state = 'Pending')
            """, ("@node", node), ("@now", now), ("@job", jobId.ToString()), ("@batch", batch)))
        {
            done.Transaction = transaction;
            if (await done.ExecuteNonQueryAsync(cancellationToken) != 1) return false;
        }
        long remaining;
        await using (var count = connection.Command(
            "UPDATE dcot_bulk_jobs SET batches_remaining = batches_remaining - 1, updated_at = @now WHERE id = @job RETURNING batches_remaining",
            ("@now", now), ("@job", jobId.ToString())))
        {
            count.Transaction = transaction;
            remaining = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken));
        }
        var completed = false;
        if (remaining == 0)
        {
            await using var complete = connection.Command(
                "UPDATE dcot_bulk_jobs SET status = 'Completed', finished_at = @now, updated_at = @now WHERE id = @job AND status = 'Running'",
                ("@now", now), ("@job", jobId.ToString()));
            complete.Transaction = transaction;
            completed = await complete.ExecuteNonQueryAsync(cancellationToken) == 1;
        }
        await transaction.CommitAsync(cancellationToken);
        return completed;
    }

    /// <summary>Forgets a finished or paused job's items and batches and queues it again, to be listed anew.</summary>
    public async Task<bool> ResetForRestartAsync(Guid jobId, BulkJobStatus[] from, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var statusList = string.Join(", ", from.Select(s => $"'{s}'"));
        await using (var queue = connection.Command(
            $"UPDATE dcot_bulk_jobs SET status = 'Queued', finished_at = NULL, error = NULL, batches_total = 0, batches_remaining = 0, updated_at = @now WHERE id = @id AND status IN ({statusList})",
            ("@now", Timestamp(clock.GetUtcNow())), ("@id", jobId.ToString())))
        {
            queue.Transaction = transaction;
            if (await queue.ExecuteNonQueryAsync(cancellationToken) != 1) return false;
        }
        foreach (var table in new[] { "dcot_bulk_job_items", "dcot_bulk_job_batches" })
        {
            await using var delete = connection.Command($"DELETE FROM {table} WHERE job_id = @id", ("@id", jobId.ToString()));
            delete.Transaction = transaction;
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Records an item's outcome. Only a pending item changes, so an item is finished at most once.</summary>
    public async Task<bool> FinishItemAsync(Guid jobId, Guid key, BulkItemState state, string? reason, string node, string? outcome, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "UPDATE dcot_bulk_job_items SET state = @state, reason = @reason, attempts = attempts + 1, updated_at = @now, node = @node, outcome = @outcome, claimed_until = NULL WHERE job_id = @job AND content_key = @key AND state = @pending",
            ("@state", state.ToString()), ("@reason", reason), ("@now", Timestamp(clock.GetUtcNow())), ("@node", node), ("@outcome", outcome),
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
        if (to is BulkJobStatus.Completed or BulkJobStatus.Cancelled or BulkJobStatus.Failed) sets += ", finished_at = @now";
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
        return jobs[0] with { Failures = failures, Nodes = await NodesAsync(connection, jobId, cancellationToken) };
    }

    public async Task<IReadOnlyList<BulkJobView>> ListAsync(int max, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var jobs = await ReadJobsAsync(connection, "ORDER BY j.created_at DESC LIMIT @max", [("@max", max)], cancellationToken);
        var result = new List<BulkJobView>(jobs.Count);
        foreach (var job in jobs) result.Add(job with { Nodes = await NodesAsync(connection, job.Id, cancellationToken) });
        return result;
    }

    /// <summary>What each node finished of the job (nodes are Hangfire server names).</summary>
    private static async Task<IReadOnlyList<NodeProgress>> NodesAsync(DbConnection connection, Guid jobId, CancellationToken cancellationToken)
    {
        var nodes = new List<NodeProgress>();
        await using var perNode = connection.Command(
            "SELECT node, SUM(CASE WHEN state = 'Done' THEN 1 ELSE 0 END), SUM(CASE WHEN state = 'Failed' THEN 1 ELSE 0 END) FROM dcot_bulk_job_items WHERE job_id = @id AND node IS NOT NULL GROUP BY node ORDER BY node",
            ("@id", jobId.ToString()));
        await using var reader = await perNode.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            nodes.Add(new NodeProgress(reader.GetString(0), Convert.ToInt32(reader.GetValue(1)), Convert.ToInt32(reader.GetValue(2))));
        return nodes;
    }

    private async Task<List<BulkJobView>> ReadJobsAsync(DbConnection connection, string tail, (string, object?)[] parameters, CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT j.id, j.root_key, j.document_type, j.all_content, j.status, j.created_at, j.updated_at, j.finished_at,
                   j.run_started_at, j.run_processed_at_start, j.error, j.started_by, j.batches_total, j.batches_remaining,
                   (SELECT COUNT(*) FROM dcot_bulk_job_items i WHERE i.job_id = j.id) AS total,
                   (SELECT COUNT(*) FROM dcot_bulk_job_items i WHERE i.job_id = j.id AND i.state = 'Done') AS done,
                   (SELECT COUNT(*) FROM dcot_bulk_job_items i WHERE i.job_id = j.id AND i.state = 'Failed') AS failed,
                   (SELECT COUNT(*) FROM dcot_bulk_job_items i WHERE i.job_id = j.id AND i.state = 'Skipped') AS skipped
            FROM dcot_bulk_jobs j {tail}
            """;
        await using var command = connection.Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var result = new List<BulkJobView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var status = Enum.Parse<BulkJobStatus>(reader.GetString(4));
            int total = Convert.ToInt32(reader.GetValue(14)), done = Convert.ToInt32(reader.GetValue(15)), failed = Convert.ToInt32(reader.GetValue(16)),
                skipped = Convert.ToInt32(reader.GetValue(17));
            var runStarted = ParseTimestamp(reader.GetValue(8));
            var finished = ParseTimestamp(reader.GetValue(7));
            var updated = ParseTimestamp(reader.GetValue(6))!.Value;
            var processedThisRun = done + failed + skipped - Convert.ToInt64(reader.GetValue(9));
            double? rate = null;
            TimeSpan? eta = null;
            if (runStarted is { } started && processedThisRun > 0)
            {
                var end = status == BulkJobStatus.Running ? now : updated;
                var seconds = Math.Max((end - started).TotalSeconds, 0.001);
                rate = processedThisRun / seconds;
                if (status == BulkJobStatus.Running) eta = TimeSpan.FromSeconds((total - done - failed - skipped) / rate.Value);
            }
            var selection = new ContentSelection(
                reader.IsDBNull(1) ? null : Guid.Parse(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                Convert.ToInt32(reader.GetValue(3)) == 1);
            result.Add(new BulkJobView(Guid.Parse(reader.GetString(0)), selection, status, total, done, failed, rate, eta,
                ParseTimestamp(reader.GetValue(5))!.Value, updated, finished, reader.IsDBNull(10) ? null : reader.GetString(10), [],
                DecodeActor(reader.IsDBNull(11) ? null : reader.GetString(11)), Convert.ToInt32(reader.GetValue(12)), Convert.ToInt32(reader.GetValue(13)), [], skipped));
        }
        return result;
    }

    // "id|name"; a job from before users were recorded ran as the system.
    private static string EncodeActor(ContentActor actor) => $"{actor.UserId?.ToString(System.Globalization.CultureInfo.InvariantCulture)}|{actor.Name}";

    private static ContentActor DecodeActor(string? stored)
    {
        if (string.IsNullOrEmpty(stored)) return ContentActor.System;
        var bar = stored.IndexOf('|');
        var id = bar > 0 && int.TryParse(stored[..bar], System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : (int?)null;
        return new ContentActor(id, bar >= 0 ? stored[(bar + 1)..] : stored);
    }
}
