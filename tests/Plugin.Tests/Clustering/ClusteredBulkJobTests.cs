using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DynamicCot.Plugin.DemoHost;
using DynamicCot.Plugin.Tests.TestDoubles;
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
/// Two real demo hosts, each a node of one clustered Quartz job store on a real PostgreSQL server, share a bulk
/// retag job over all demo content: every item is suggested exactly once across the nodes, also when the node running
/// the job is stopped mid-way and the other node finishes it.
/// </summary>
[Trait("Category", "Postgres")]
public sealed class ClusteredBulkJobTests(PostgresServerFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresServerFixture>
{
    private const string Api = "/umbraco/dynamiccot/api/v1";
    private static readonly TimeSpan JobDeadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Two_nodes_on_one_clustered_PostgreSQL_store_run_a_bulk_job_over_all_content_suggesting_each_item_once()
    {
        var clock = Stopwatch.StartNew();
        var connectionString = await postgres.NewDatabaseAsync();
        var ledger = new SuggestionLedger();
        await using var a = new ClusterNode("A", connectionString, new WordSuggester(), ledger);
        await using var b = new ClusterNode("B", connectionString, new WordSuggester(), ledger);
        // Both at once, as a cluster deploy starts its servers: schema creation must cope with a concurrent peer.
        await Task.WhenAll(a.StartAsync(), b.StartAsync());

        var id = await StartJobAsync(a);
        var job = await WaitAsync(id, v => v.GetProperty("status").GetString() is "Completed" or "Cancelled" or "Paused", a, b);

        await AssertCompletedExactlyOnceAsync(job, id, connectionString, a, ledger);
        output.WriteLine($"PostgreSQL started in {postgres.StartTime.TotalSeconds:0.0} s; job of {job.GetProperty("total").GetInt32()} items: " +
                         $"node A suggested {ledger.CountFor("A")}, node B {ledger.CountFor("B")}; test took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Stopping_the_node_that_runs_a_bulk_job_hands_the_rest_to_the_other_node_with_no_item_done_twice()
    {
        var clock = Stopwatch.StartNew();
        var connectionString = await postgres.NewDatabaseAsync();
        var ledger = new SuggestionLedger();
        // Slow enough that the job is still running when its node is stopped.
        var engine = () => new WordSuggester { Delay = TimeSpan.FromMilliseconds(120) };
        await using var a = new ClusterNode("A", connectionString, engine(), ledger);
        await using var b = new ClusterNode("B", connectionString, engine(), ledger);
        await Task.WhenAll(a.StartAsync(), b.StartAsync());

        var id = await StartJobAsync(a);
        var running = await WaitAsync(id, v => v.GetProperty("done").GetInt32() >= 8, a, b);
        var total = running.GetProperty("total").GetInt32();
        Assert.True(running.GetProperty("done").GetInt32() < total - 8, $"The job finished too early to stop it mid-way: {running}");

        // One Quartz job per bulk job and [DisallowConcurrentExecution]: exactly one node is working on it.
        var working = new[] { a, b }.Where(n => ledger.CountFor(n.Name) > 0).ToList();
        var runner = Assert.Single(working);
        var other = runner == a ? b : a;
        var stopClock = Stopwatch.StartNew();
        await runner.StopAsync();
        var stopTook = stopClock.Elapsed;
        var doneByRunner = ledger.CountFor(runner.Name);
        var atStop = await GetJobAsync(other, id);
        Assert.True(atStop.GetProperty("done").GetInt32() < total, $"The job finished before its node stopped: {atStop}");

        var job = await WaitAsync(id, v => v.GetProperty("status").GetString() is "Completed" or "Cancelled" or "Paused", other);
        await AssertCompletedExactlyOnceAsync(job, id, connectionString, a, ledger);
        Assert.Equal(doneByRunner, ledger.CountFor(runner.Name)); // the stopped node did nothing more
        Assert.True(ledger.CountFor(other.Name) > 0, "the remaining node did none of the job");
        output.WriteLine($"Job of {total} items: node {runner.Name} ran it and was stopped after {doneByRunner} (stop took {stopTook.TotalSeconds:0.0} s); " +
                         $"node {other.Name} finished {ledger.CountFor(other.Name)} in {stopClock.Elapsed.TotalSeconds:0.0} s after the stop; test took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static async Task<Guid> StartJobAsync(ClusterNode node)
    {
        var start = await node.Client.PostAsJsonAsync($"{Api}/jobs", new { all = true });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        return (await JsonAsync(start)).GetProperty("id").GetGuid();
    }

    /// <summary>Every item is Done, each suggested once in all (across nodes), and the plugin's item table agrees.</summary>
    private static async Task AssertCompletedExactlyOnceAsync(JsonElement job, Guid id, string connectionString, ClusterNode node, SuggestionLedger ledger)
    {
        Assert.True(job.GetProperty("status").GetString() == "Completed", $"job not completed: {job}");
        var total = job.GetProperty("total").GetInt32();
        var demoContent = node.Services.GetRequiredService<DemoContentStore>();
        Assert.Equal(demoContent.Count(), total);
        Assert.Equal(total, job.GetProperty("done").GetInt32());
        Assert.Equal(0, job.GetProperty("failed").GetInt32());

        var items = new List<(Guid Key, string State, int Attempts)>();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT content_key, state, attempts FROM dcot_bulk_job_items WHERE job_id = @id", connection);
            command.Parameters.AddWithValue("id", id.ToString());
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) items.Add((Guid.Parse(reader.GetString(0)), reader.GetString(1), reader.GetInt32(2)));
        }
        Assert.Equal(total, items.Count);
        Assert.All(items, i => Assert.Equal(("Done", 1), (i.State, i.Attempts)));

        // The engine saw each item's text exactly as many times as items carry that text: no item suggested twice.
        var expected = items.Select(i => demoContent.Find(i.Key)!.Text).Order(StringComparer.Ordinal).ToList();
        var suggested = ledger.Completed.Select(c => c.Text).Order(StringComparer.Ordinal).ToList();
        var twice = suggested.GroupBy(t => t).Where(g => g.Count() > expected.Count(e => e == g.Key)).Select(g => g.Key[..Math.Min(40, g.Key.Length)]).ToList();
        Assert.True(twice.Count == 0, $"suggested more than once: {string.Join(" | ", twice)}");
        Assert.Equal(expected, suggested);
    }

    /// <summary>Polls GET jobs/{id} on the given nodes in turn (any running node answers for the cluster) until <paramref name="until"/> or the deadline.</summary>
    private static async Task<JsonElement> WaitAsync(Guid id, Func<JsonElement, bool> until, params ClusterNode[] nodes)
    {
        var deadline = DateTime.UtcNow + JobDeadline;
        JsonElement job = default;
        for (var i = 0; DateTime.UtcNow < deadline; i++)
        {
            var node = nodes[i % nodes.Length];
            if (!node.IsRunning) continue;
            job = await GetJobAsync(node, id);
            if (until(job)) return job;
            await Task.Delay(100);
        }
        Assert.Fail($"bulk job {id} did not reach the awaited state within {JobDeadline.TotalSeconds:0} s; last seen: {job}");
        return job;
    }

    private static async Task<JsonElement> GetJobAsync(ClusterNode node, Guid id)
    {
        var response = await node.Client.GetAsync($"{Api}/jobs/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await JsonAsync(response);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}
