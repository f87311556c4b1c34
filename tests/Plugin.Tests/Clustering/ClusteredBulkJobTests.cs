using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DynamicCot.Plugin.DemoHost;
using DynamicCot.Plugin.Tests.TestDoubles;
using DynamicCot.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace DynamicCot.Plugin.Tests.Clustering;

/// <summary>One throwaway PostgreSQL server for the class; each test gets its own database.</summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    public ThrowawayPostgres? Server { get; private set; }
    public string? StartFailure { get; private set; }
    public TimeSpan StartTime { get; private set; }

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        try { Server = await ThrowawayPostgres.StartAsync(TimeSpan.FromSeconds(60)); }
        catch (InvalidOperationException e) { StartFailure = e.Message; }
        StartTime = clock.Elapsed;
    }

    public async Task<string> NewDatabaseAsync()
    {
        // Fail (not skip): the acceptance needs this test to run; the message says how to get a server.
        if (Server is null) Assert.Fail("No PostgreSQL server could be started for the clustering tests: " + StartFailure);
        return await Server.CreateDatabaseAsync("dcot_" + Guid.NewGuid().ToString("N")[..12]);
    }

    public async Task DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
    }
}

/// <summary>
/// Real demo hosts, each a Hangfire server on one real PostgreSQL job store and sharing one content database, run one
/// bulk retag over all demo content together: every node takes batches of it, every item is suggested and written
/// exactly once, also when a node is stopped mid-way (its batch is handed over at once) or killed (SIGKILL: its
/// batch is taken by another node after the invisibility timeout, its item after its lease).
/// </summary>
[Trait("Category", "Postgres")]
public sealed class ClusteredBulkJobTests(PostgresServerFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresServerFixture>
{
    private const string Api = "/umbraco/dynamiccot/api/v1";
    private static readonly TimeSpan JobDeadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Three_nodes_share_one_bulk_job_over_all_content_each_doing_part_and_each_item_suggested_and_written_once()
    {
        var clock = Stopwatch.StartNew();
        var connectionString = await postgres.NewDatabaseAsync();
        using var state = TestPaths.NewTempFolder("dynamiccot-farm");
        var ledger = new SuggestionLedger();
        await using var a = new ClusterNode("A", connectionString, state.Path, new WordSuggester { Delay = TimeSpan.FromMilliseconds(80) }, ledger);
        await using var b = new ClusterNode("B", connectionString, state.Path, new WordSuggester { Delay = TimeSpan.FromMilliseconds(80) }, ledger);
        await using var c = new ClusterNode("C", connectionString, state.Path, new WordSuggester { Delay = TimeSpan.FromMilliseconds(80) }, ledger);
        // All at once, as a farm deploy starts its servers: the schema installs must cope with concurrent peers.
        await Task.WhenAll(a.StartAsync(), b.StartAsync(), c.StartAsync());

        var id = await StartJobAsync(a);
        var job = await WaitAsync(id, Finished, a, b, c);

        await AssertCompletedExactlyOnceAsync(job, id, connectionString, a, ledger);
        var nodes = job.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("node").GetString()!, n => n.GetProperty("done").GetInt32());
        Assert.Equal(["A", "B", "C"], nodes.Keys.Order());
        Assert.All(nodes.Values, done => Assert.True(done > 0));
        Assert.Equal("Ada Administrator", job.GetProperty("startedBy").GetString());
        // Each seeded publish state is as the editor left it: drafts got tags in the draft only, the pending edit stayed
        // pending (its live version untouched), the trashed item was left alone; the published ones were republished once.
        var content = a.Services.GetRequiredService<DemoContentStore>();
        foreach (var (seq, seeded) in DemoSeeder.SeededStates)
        {
            var item = content.List()[seq];
            Assert.Equal(seeded.State, item.State);
            Assert.Equal(0, item.PublishCount);
            if (seeded.State == Content.PublishState.Trashed) Assert.Equal(seeded.Draft, item.Tags);
            else Assert.Equal(seeded.Draft, item.Tags.Take(seeded.Draft.Length));
            Assert.Equal(seeded.Published, item.PublishedTags);
        }
        Assert.All(content.List().Where(i => i.State == Content.PublishState.Published), i =>
        {
            Assert.Equal(1, i.PublishCount);
            Assert.Equal(i.Tags, i.PublishedTags);
        });
        Assert.All(content.Writes(), w => Assert.Equal("Ada Administrator (user 1)", w.Actor));
        output.WriteLine($"PostgreSQL started in {postgres.StartTime.TotalSeconds:0.0} s; job of {job.GetProperty("total").GetInt32()} items in {job.GetProperty("batches").GetInt32()} batches: " +
                         string.Join(", ", nodes.Select(n => $"node {n.Key} {n.Value}")) + $"; test took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task A_node_stopped_mid_job_hands_its_batch_over_at_once_with_no_item_done_twice()
    {
        var clock = Stopwatch.StartNew();
        var connectionString = await postgres.NewDatabaseAsync();
        using var state = TestPaths.NewTempFolder("dynamiccot-farm");
        var ledger = new SuggestionLedger();
        var engine = () => new WordSuggester { Delay = TimeSpan.FromMilliseconds(100) };
        // A long invisibility timeout: finishing well before it shows the batch was handed over, not waited out.
        const string invisibility = "--DynamicCot:JobStore:InvisibilityTimeout=00:00:20";
        await using var a = new ClusterNode("A", connectionString, state.Path, engine(), ledger, invisibility);
        await using var b = new ClusterNode("B", connectionString, state.Path, engine(), ledger, invisibility);
        await Task.WhenAll(a.StartAsync(), b.StartAsync());

        var id = await StartJobAsync(a);
        var running = await WaitAsync(id, v => ledger.CountFor("B") >= 4, a);
        var total = running.GetProperty("total").GetInt32();
        Assert.True(running.GetProperty("done").GetInt32() < total - 16, $"The job finished too early to stop a node mid-way: {running}");
        Assert.True(ledger.CountFor("A") > 0, "node A took no batch before the stop");

        var stopClock = Stopwatch.StartNew();
        await b.StopAsync();
        var stopTook = stopClock.Elapsed;
        var doneByB = ledger.CountFor("B");
        var job = await WaitAsync(id, Finished, a);
        var finishedAfterStop = stopClock.Elapsed;

        await AssertCompletedExactlyOnceAsync(job, id, connectionString, a, ledger);
        Assert.Equal(doneByB, ledger.CountFor("B")); // the stopped node did nothing more
        // At once: B gave its items back as it stopped (no lease left to wait out), and A finished the whole rest
        // (2 workers, 100 ms per item) sooner than B's batch would have waited for the 20 s invisibility timeout.
        Assert.DoesNotContain(await ItemRowsAsync(connectionString, id), r => r.State != "Done");
        Assert.True(stopTook < TimeSpan.FromSeconds(5), $"stopping node B took {stopTook}");
        Assert.True(finishedAfterStop < TimeSpan.FromSeconds(20), $"the job finished {finishedAfterStop} after node B stopped: its batch waited for the invisibility timeout");
        output.WriteLine($"Job of {total} items: node B stopped after {doneByB} (stop took {stopTook.TotalSeconds:0.0} s); node A finished the job " +
                         $"{finishedAfterStop.TotalSeconds:0.0} s after the stop, {ledger.CountFor("A")} items in all; test took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task A_node_killed_mid_batch_loses_nothing_the_job_completes_and_every_item_is_written_exactly_once()
    {
        var clock = Stopwatch.StartNew();
        var connectionString = await postgres.NewDatabaseAsync();
        using var state = TestPaths.NewTempFolder("dynamiccot-farm");
        await using var a = new NodeProcess("A", connectionString, state.Path, engineDelayMilliseconds: 150);
        await using var b = new NodeProcess("B", connectionString, state.Path, engineDelayMilliseconds: 150);
        await using var c = new NodeProcess("C", connectionString, state.Path, engineDelayMilliseconds: 150);
        await Task.WhenAll(a.StartAsync(TimeSpan.FromSeconds(60)), b.StartAsync(TimeSpan.FromSeconds(60)), c.StartAsync(TimeSpan.FromSeconds(60)));

        var start = await a.Client.PostAsJsonAsync($"{Api}/jobs", new { all = true });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var id = (await JsonAsync(start)).GetProperty("id").GetGuid();
        // Kill C once it has finished a few items: it is then mid-batch, holding an item (150 ms each, 2 workers).
        var beforeKill = await PollAsync(() => GetJobAsync(a.Client, id), j => DoneBy(j, "C") >= 3);
        c.Kill();
        var killedAt = Stopwatch.StartNew();
        var doneByC = DoneBy(await GetJobAsync(a.Client, id), "C");
        var job = await PollAsync(() => GetJobAsync(a.Client, id), Finished);

        Assert.True(job.GetProperty("status").GetString() == "Completed", $"job not completed: {job}");
        var content = new DemoContentStore(Path.Combine(state.Path, "content.db"));
        var items = content.List().Where(i => i.State != Content.PublishState.Trashed).ToList();
        Assert.Equal(items.Count, job.GetProperty("total").GetInt32());
        Assert.Equal(items.Count, job.GetProperty("done").GetInt32());
        Assert.Equal(0, job.GetProperty("failed").GetInt32());
        // Count and compare: one write per item, across the three processes, and the item table agrees.
        var writes = content.Writes().GroupBy(w => w.Key).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(items.Select(i => i.Key).Order(), writes.Keys.Order());
        Assert.All(writes, w => Assert.Equal(1, w.Value));
        var rows = await ItemRowsAsync(connectionString, id);
        Assert.All(rows, r => Assert.Equal("Done", r.State));
        Assert.Equal(items.Count, rows.Count);
        Assert.Equal(doneByC, DoneBy(job, "C")); // the killed node's finished items stay finished, and it did no more
        Assert.True(DoneBy(job, "A") > 0 && DoneBy(job, "B") > 0);
        output.WriteLine($"Job of {items.Count} items: C killed (SIGKILL) after {doneByC} items, {beforeKill.GetProperty("done").GetInt32()} done in all; " +
                         $"A and B completed it {killedAt.Elapsed.TotalSeconds:0.0} s later (A {DoneBy(job, "A")}, B {DoneBy(job, "B")}); test took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static bool Finished(JsonElement job) => job.GetProperty("status").GetString() is "Completed" or "Cancelled" or "Paused";

    private static int DoneBy(JsonElement job, string node) =>
        job.GetProperty("nodes").EnumerateArray().Where(n => n.GetProperty("node").GetString() == node).Select(n => n.GetProperty("done").GetInt32()).FirstOrDefault();

    private static async Task<JsonElement> PollAsync(Func<Task<JsonElement>> read, Func<JsonElement, bool> until)
    {
        var deadline = DateTime.UtcNow + JobDeadline;
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await read();
            if (until(last)) return last;
            await Task.Delay(100);
        }
        Assert.Fail($"the bulk job did not reach the awaited state within {JobDeadline.TotalSeconds:0} s; last seen: {last}");
        return last;
    }

    private static async Task<Guid> StartJobAsync(ClusterNode node)
    {
        var start = await node.Client.PostAsJsonAsync($"{Api}/jobs", new { all = true });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        return (await JsonAsync(start)).GetProperty("id").GetGuid();
    }

    private static async Task<List<(Guid Key, string State, int Attempts)>> ItemRowsAsync(string connectionString, Guid id)
    {
        var items = new List<(Guid Key, string State, int Attempts)>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT content_key, state, attempts FROM dcot_bulk_job_items WHERE job_id = @id", connection);
        command.Parameters.AddWithValue("id", id.ToString());
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) items.Add((Guid.Parse(reader.GetString(0)), reader.GetString(1), reader.GetInt32(2)));
        return items;
    }

    /// <summary>
    /// Every item is Done, each suggested once in all (across nodes), written once (the shared write log), and the
    /// plugin's item table agrees.
    /// </summary>
    private static async Task AssertCompletedExactlyOnceAsync(JsonElement job, Guid id, string connectionString, ClusterNode node, SuggestionLedger ledger)
    {
        Assert.True(job.GetProperty("status").GetString() == "Completed", $"job not completed: {job}");
        var total = job.GetProperty("total").GetInt32();
        var demoContent = node.Services.GetRequiredService<DemoContentStore>();
        var items = demoContent.List().Where(i => i.State != Content.PublishState.Trashed).ToList();
        Assert.Equal(items.Count, total);
        Assert.Equal(total, job.GetProperty("done").GetInt32());
        Assert.Equal(0, job.GetProperty("failed").GetInt32());

        var rows = await ItemRowsAsync(connectionString, id);
        Assert.Equal(total, rows.Count);
        Assert.All(rows, i => Assert.Equal(("Done", 1), (i.State, i.Attempts)));
        var writes = demoContent.Writes().GroupBy(w => w.Key).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(items, i => Assert.Equal(1, writes.GetValueOrDefault(i.Key)));

        // The engine saw each item's text exactly as many times as items carry that text: no item suggested twice.
        var expected = rows.Select(i => demoContent.Find(i.Key)!.Text).Order(StringComparer.Ordinal).ToList();
        var suggested = ledger.Completed.Select(c => c.Text).Order(StringComparer.Ordinal).ToList();
        var twice = suggested.GroupBy(t => t).Where(g => g.Count() > expected.Count(e => e == g.Key)).Select(g => g.Key[..Math.Min(40, g.Key.Length)]).ToList();
        Assert.True(twice.Count == 0, $"suggested more than once: {string.Join(" | ", twice)}");
        Assert.Equal(expected, suggested);
    }

    /// <summary>Polls GET jobs/{id} on the given nodes in turn (any running node answers for the farm) until <paramref name="until"/> or the deadline.</summary>
    private static async Task<JsonElement> WaitAsync(Guid id, Func<JsonElement, bool> until, params ClusterNode[] nodes)
    {
        var deadline = DateTime.UtcNow + JobDeadline;
        JsonElement job = default;
        for (var i = 0; DateTime.UtcNow < deadline; i++)
        {
            var node = nodes[i % nodes.Length];
            if (!node.IsRunning) continue;
            job = await GetJobAsync(node.Client, id);
            if (until(job)) return job;
            await Task.Delay(100);
        }
        Assert.Fail($"bulk job {id} did not reach the awaited state within {JobDeadline.TotalSeconds:0} s; last seen: {job}");
        return job;
    }

    private static async Task<JsonElement> GetJobAsync(HttpClient client, Guid id)
    {
        var response = await client.GetAsync($"{Api}/jobs/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await JsonAsync(response);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}
