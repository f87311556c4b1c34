using System.Data.Common;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Feedback;
using DynamicCot.Plugin.Jobs;
using DynamicCot.Plugin.Storage;
using DynamicCot.Plugin.Tests.Clustering;
using DynamicCot.Plugin.Tests.TestDoubles;
using DynamicCot.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DynamicCot.Plugin.Tests;

/// <summary>
/// The plugin's tables as version 1 left them (the creation script from before versioning, with a job stopped
/// half-way, a job never started, and feedback with rejections) are upgraded to the current version on a real
/// SQLite file and on a throwaway PostgreSQL server.
/// </summary>
public static class Version1Database
{
    public static readonly Guid RunningJob = Guid.Parse("11111111-1111-1111-1111-111111111111");
    public static readonly Guid QueuedJob = Guid.Parse("22222222-2222-2222-2222-222222222222");
    public static readonly Guid RejectedOn = Guid.Parse("33333333-3333-3333-3333-333333333333");

    /// <summary>Creates the version 1 tables with a running job over <paramref name="items"/> (the first <paramref name="done"/> done).</summary>
    public static async Task CreateAsync(DbConnection connection, IReadOnlyList<Guid> items, int done)
    {
        const string at = "2026-01-02T03:04:05.0000000Z";
        await ExecuteAsync(connection, PluginSchema.Version1);
        await ExecuteAsync(connection, $"""
            INSERT INTO dcot_bulk_jobs (id, root_key, document_type, all_content, status, created_at, updated_at) VALUES ('{RunningJob}', NULL, NULL, 1, 'Running', '{at}', '{at}');
            INSERT INTO dcot_bulk_jobs (id, root_key, document_type, all_content, status, created_at, updated_at) VALUES ('{QueuedJob}', NULL, 'post', 0, 'Queued', '{at}', '{at}');
            INSERT INTO dcot_feedback (id, content_key, text, image, accepted, rejected, added, created_at) VALUES ('{Guid.NewGuid()}', '{RejectedOn}', 'text', NULL, '["kept"]', '["Lighthouse","pier"]', '[]', '{at}');
            """);
        for (var i = 0; i < items.Count; i++)
            await ExecuteAsync(connection, $"INSERT INTO dcot_bulk_job_items (job_id, seq, content_key, state, attempts, updated_at) VALUES ('{RunningJob}', {i}, '{items[i]}', '{(i < done ? "Done" : "Pending")}', {(i < done ? 1 : 0)}, '{at}')");
    }

    public static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>What version 2 must make of it, read through the plugin's own stores.</summary>
    public static async Task AssertUpgradedAsync(PluginDatabase database, int items, int done)
    {
        await using (var connection = await database.OpenAsync(CancellationToken.None))
            Assert.Equal(PluginSchema.CurrentVersion, await PluginSchema.ReadVersionAsync(connection, null, CancellationToken.None));
        var store = new BulkJobStore(database, TimeProvider.System);
        var running = (await store.GetAsync(RunningJob, CancellationToken.None))!;
        Assert.Equal(BulkJobStatus.Paused, running.Status);
        Assert.Contains("resume it to continue", running.Error);
        Assert.Equal((items, done), (running.Total, running.Done));
        var batches = (items + PluginSchema.UpgradedBatchSize - 1) / PluginSchema.UpgradedBatchSize;
        Assert.Equal(batches, running.BatchesTotal);
        Assert.Equal(batches - done / PluginSchema.UpgradedBatchSize, running.BatchesRemaining);
        Assert.Equal(BulkJobStatus.Paused, (await store.GetAsync(QueuedJob, CancellationToken.None))!.Status);
        var rejected = await new RejectedTagStore(database, TimeProvider.System).ListAsync(RejectedOn, CancellationToken.None);
        Assert.Equal(["Lighthouse", "pier"], rejected.Select(r => r.Tag).Order());
    }
}

public sealed class PluginSchemaUpgradeTests
{
    [Fact]
    public async Task A_version_1_SQLite_database_is_upgraded_and_its_half_done_job_resumes_without_redoing_finished_items()
    {
        using var folder = TestPaths.NewTempFolder();
        var content = new RecordingContentRepository();
        for (var i = 0; i < 20; i++) content.Add($"Item {i} about harbour lighthouses");
        var jobs = Path.Combine(folder.Path, "jobs");
        Directory.CreateDirectory(jobs);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(jobs, "dynamiccot.db") }.ToString();
        await using (var v1 = new SqliteConnection(connectionString))
        {
            await v1.OpenAsync();
            await Version1Database.CreateAsync(v1, content.Keys, done: 12);
        }

        await Version1Database.AssertUpgradedAsync(new PluginDatabase(JobStoreProvider.Sqlite, connectionString), items: 20, done: 12);

        // The upgraded job resumes on Hangfire: only its 8 pending items are suggested and written.
        var suggester = new WordSuggester();
        await using var services = await PluginServices.StartAsync(folder.Path, content, suggester);
        await services.Jobs.ResumeAsync(Version1Database.RunningJob, CancellationToken.None);
        var finished = await services.WaitAsync(Version1Database.RunningJob, v => v.IsFinished);
        Assert.Equal(BulkJobStatus.Completed, finished.Status);
        Assert.Equal(20, finished.Done);
        Assert.Equal(8, suggester.Calls.Count);
        Assert.Equal(content.Keys.Skip(12).Order(), content.Writes.Keys.Order());
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task A_database_from_a_newer_plugin_is_refused_with_what_to_do()
    {
        using var folder = TestPaths.NewTempFolder();
        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder.Path, "dynamiccot.db") }.ToString();
        await using (var newer = new SqliteConnection(connectionString))
        {
            await newer.OpenAsync();
            await Version1Database.ExecuteAsync(newer, $"CREATE TABLE dcot_schema (version INTEGER NOT NULL); INSERT INTO dcot_schema VALUES ({PluginSchema.CurrentVersion + 1});");
        }
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new PluginDatabase(JobStoreProvider.Sqlite, connectionString).OpenAsync(CancellationToken.None));
        Assert.Contains($"schema version {PluginSchema.CurrentVersion + 1}", error.Message);
        Assert.Contains("Upgrade the plugin on every node", error.Message);
        SqliteConnection.ClearAllPools();
    }
}

[Trait("Category", "Postgres")]
public sealed class PostgresSchemaUpgradeTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    [Fact]
    public async Task A_version_1_PostgreSQL_database_is_upgraded_once_when_three_nodes_open_it_together()
    {
        var connectionString = await postgres.NewDatabaseAsync();
        var items = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToList();
        await using (var v1 = new NpgsqlConnection(connectionString))
        {
            await v1.OpenAsync();
            await Version1Database.CreateAsync(v1, items, done: 12);
        }
        // Three nodes starting together: one upgrades under the advisory lock, the others find version 2.
        var nodes = Enumerable.Range(0, 3).Select(_ => new PluginDatabase(JobStoreProvider.Postgres, connectionString)).ToList();
        await Task.WhenAll(nodes.Select(async n => { await using var c = await n.OpenAsync(CancellationToken.None); }));
        await Version1Database.AssertUpgradedAsync(nodes[0], items: 20, done: 12);
    }
}
