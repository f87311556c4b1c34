using System.Diagnostics;
using System.Text.Json;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.DemoHost;
using DynamicCot.Plugin.Tags;
using DynamicCot.Plugin.Tests.Clustering;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace DynamicCot.Bench.Kill;

/// <summary>The three kill runs; each builds its own state folder (content database) and job store, and removes them.</summary>
public static class KillRuns
{
    private static readonly TimeSpan JobDeadline = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    /// <summary>3 nodes on PostgreSQL; node C is SIGKILLed once the job is <see cref="KillRunSettings.DisruptAt"/> done.</summary>
    public static async Task<KillRunResult> NodeKilledAsync(KillRunSettings settings)
    {
        await using var pg = await ThrowawayPostgres.StartAsync(TimeSpan.FromSeconds(60));
        var connectionString = await pg.CreateDatabaseAsync("dcot_kill");
        return await RunFarmAsync(settings, connectionString, async (nodes, _) =>
        {
            var c = nodes[2];
            c.Kill();
            return $"node C (pid {c.ProcessId}) SIGKILLed";
        });
    }

    /// <summary>3 nodes on PostgreSQL; the server is stopped immediately (a crash: no checkpoint, every connection cut) and started again 5 s later.</summary>
    public static async Task<KillRunResult> PostgresRestartedAsync(KillRunSettings settings)
    {
        await using var pg = await ThrowawayPostgres.StartAsync(TimeSpan.FromSeconds(60));
        var connectionString = await pg.CreateDatabaseAsync("dcot_kill");
        return await RunFarmAsync(settings, connectionString, async (_, _) =>
        {
            var clock = Stopwatch.StartNew();
            await pg.RestartAsync(immediate: true, downtime: TimeSpan.FromSeconds(5), timeout: TimeSpan.FromSeconds(60));
            return $"PostgreSQL stopped (immediate) and back after {clock.Elapsed.TotalSeconds:0.0} s";
        });
    }

    private static async Task<KillRunResult> RunFarmAsync(KillRunSettings settings, string connectionString, Func<DemoNode[], Guid, Task<string>> disrupt)
    {
        using var state = new TempFolder("dynamiccot-kill-");
        Seed(state.Path, settings);
        string[] NodeSettings(string name) =>
        [
            .. CommonSettings(settings, state.Path),
            "--DynamicCot:JobStore:Provider=Postgres",
            $"--DynamicCot:JobStore:ConnectionString={connectionString}",
            $"--DynamicCot:JobStore:ServerName={name}",
            "--DynamicCot:JobStore:InvisibilityTimeout=00:00:15",
            "--DynamicCot:JobStore:ItemLease=00:00:06",
        ];
        var nodes = new[] { "A", "B", "C" }.Select(n => new DemoNode(n, NodeSettings(n))).ToArray();
        try
        {
            await Task.WhenAll(nodes.Select(n => n.StartAsync(StartTimeout)));
            var loadBefore = LoadAverage();
            var clock = Stopwatch.StartNew();
            var id = await nodes[0].StartBulkJobAsync();
            await WaitAsync(nodes, id, j => Done(j) >= settings.DisruptAt * settings.Items, "reach the disruption point");
            var disruption = await disrupt(nodes, id);
            var (final, failedWith, restarted) = await FinishAsync(nodes, id);
            var wall = clock.Elapsed;
            var audit = Audit(state.Path, await PostgresRowsAsync(connectionString, id));
            return new KillRunResult(settings.Items, wall, Status(final), failedWith, restarted, audit.Missing, audit.Duplicated, audit.RowsNotDone,
                audit.MaxAttempts, disruption, loadBefore, LoadAverage(), PerNode(final));
        }
        catch
        {
            foreach (var node in nodes) Console.Error.WriteLine($"--- node {node.Name} (exited: {node.HasExited}):\n{node.OutputTail(30)}");
            throw;
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }

    /// <summary>
    /// One node on the SQLite job store, whose folder is a small tmpfs. Once the job is under way a filler file takes
    /// the rest of the disk; after 30 s the filler is deleted (space freed, as an operator would), and if the job does
    /// not then finish on its own the node is restarted.
    /// </summary>
    public static async Task<KillRunResult> SqliteDiskFullAsync(KillRunSettings settings)
    {
        using var state = new TempFolder("dynamiccot-kill-");
        Seed(state.Path, settings);
        var disk = Path.Combine(state.Path, "jobs-disk");
        Directory.CreateDirectory(disk);
        Run("mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", disk);
        try
        {
            string[] nodeSettings =
            [
                .. CommonSettings(settings, state.Path),
                "--DynamicCot:JobStore:Provider=Sqlite",
                $"--DynamicCot:JobStore:SqliteFolder={disk}",
                "--DynamicCot:JobStore:SqliteInvisibilityTimeout=00:01:00",
                "--DynamicCot:JobStore:ServerName=A",
            ];
            var node = new DemoNode("A", nodeSettings);
            var events = new List<string>();
            try
            {
                await node.StartAsync(StartTimeout);
                var loadBefore = LoadAverage();
                var clock = Stopwatch.StartNew();
                var id = await node.StartBulkJobAsync();
                await WaitAsync([node], id, j => Done(j) >= settings.DisruptAt * settings.Items, "reach the disruption point");
                var filler = Path.Combine(disk, "filler.bin");
                var filled = Fill(filler);
                var doneAtFull = Done(await node.GetJobAsync(id));
                events.Add($"disk filled at {doneAtFull} done ({filled / 1024} KiB filler)");
                await Task.Delay(TimeSpan.FromSeconds(30));
                var whileFull = await node.GetJobAsync(id);
                events.Add($"after 30 s full: {(whileFull is { } w ? $"{Status(w)}, {Done(w)} done, error '{Error(w)}'" : "job API not answering")}, node exited: {node.HasExited}");
                File.Delete(filler);
                var finished = await TryWaitAsync([node], id, Finished, TimeSpan.FromMinutes(3));
                if (finished is null)
                {
                    events.Add($"space freed; not finished 3 min later ({Done(await node.GetJobAsync(id))} done): node restarted");
                    await node.DisposeAsync();
                    node = new DemoNode("A", nodeSettings);
                    await node.StartAsync(StartTimeout);
                }
                else events.Add("space freed");
                var (final, failedWith, restarted) = await FinishAsync([node], id);
                var wall = clock.Elapsed;
                var audit = Audit(state.Path, await SqliteRowsAsync(Path.Combine(disk, "dynamiccot.db"), id));
                return new KillRunResult(settings.Items, wall, Status(final), failedWith, restarted, audit.Missing, audit.Duplicated, audit.RowsNotDone,
                    audit.MaxAttempts, string.Join("; ", events), loadBefore, LoadAverage(), PerNode(final));
            }
            catch
            {
                Console.Error.WriteLine($"--- node A (exited: {node.HasExited}); {string.Join("; ", events)}:\n{node.OutputTail(60)}");
                throw;
            }
            finally
            {
                await node.DisposeAsync();
            }
        }
        finally
        {
            Run("umount", disk);
        }
    }

    private static IEnumerable<string> CommonSettings(KillRunSettings settings, string stateFolder) =>
    [
        $"--Demo:DataFolder={settings.DataFolder}",
        $"--Demo:StateFolder={stateFolder}",
        "--Demo:StandInEngine:Enabled=true",
        $"--Demo:StandInEngine:DelayMilliseconds={settings.EngineDelayMilliseconds}",
        "--DynamicCot:MinConfidence=0",
        "--DynamicCot:AutoTagOnPublish=false",
        "--DynamicCot:Throttle:MaxItemsPerSecond=10000",
        $"--DynamicCot:Throttle:BulkBatchSize={settings.BatchSize}",
        "--Logging:LogLevel:Default=Warning",
        "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
    ];

    /// <summary>
    /// The content database with <see cref="KillRunSettings.Items"/> published, untagged items: the fixture posts'
    /// texts in turn, each with a word of its own so every item gets at least one suggestion (a write to count).
    /// </summary>
    private static void Seed(string stateFolder, KillRunSettings settings)
    {
        var texts = File.ReadLines(Path.Combine(settings.DataFolder, "vmu16_small_events", "data.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text_raw").GetString() ?? "")
            .ToArray();
        var store = new DemoContentStore(Path.Combine(stateFolder, "content.db"));
        for (var i = 0; i < settings.Items; i++)
        {
            var text = $"{texts[i % texts.Length]}\nharbour";
            store.Insert(DemoContentStore.KeyFor($"kill-{i}"), i, "post", $"Item {i}", text, null, TagStorage.Json, [], PublishState.Published);
        }
    }

    /// <summary>
    /// Waits for the job to finish; a Failed job (with its cause) is restarted once through the API, as an
    /// administrator would, and waited for again.
    /// </summary>
    private static async Task<(JsonElement Final, string? FailedWith, bool Restarted)> FinishAsync(DemoNode[] nodes, Guid id)
    {
        var job = await WaitAsync(nodes, id, Finished, "finish");
        if (Status(job) != "Failed") return (job, null, false);
        var cause = Error(job);
        await nodes.First(n => !n.HasExited).PostAsync($"jobs/{id}/restart");
        return (await WaitAsync(nodes, id, Finished, "finish after its restart"), cause, true);
    }

    private static async Task<JsonElement> WaitAsync(DemoNode[] nodes, Guid id, Func<JsonElement, bool> until, string what) =>
        await TryWaitAsync(nodes, id, until, JobDeadline) ?? throw new TimeoutException($"Bulk job {id} did not {what} within {JobDeadline.TotalMinutes:0} min.");

    private static async Task<JsonElement?> TryWaitAsync(DemoNode[] nodes, Guid id, Func<JsonElement, bool> until, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; clock.Elapsed < deadline; i++)
        {
            var node = nodes[i % nodes.Length];
            if (!node.HasExited && await node.GetJobAsync(id) is { } job && until(job)) return job;
            await Task.Delay(250);
        }
        return null;
    }

    private static bool Finished(JsonElement job) => Status(job) is "Completed" or "Failed" or "Cancelled" or "Paused";
    private static string Status(JsonElement job) => job.GetProperty("status").GetString()!;
    private static int Done(JsonElement? job) => job?.GetProperty("done").GetInt32() ?? -1;
    private static string? Error(JsonElement job) => job.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

    private static string PerNode(JsonElement job) =>
        string.Join(", ", job.GetProperty("nodes").EnumerateArray().Select(n => $"{n.GetProperty("node").GetString()} {n.GetProperty("done").GetInt32()}"));

    private sealed record WriteAudit(int Missing, int Duplicated, int RowsNotDone, int MaxAttempts);

    /// <summary>Counts the content store's write log per item (across every process) and checks the job's item rows.</summary>
    private static WriteAudit Audit(string stateFolder, IReadOnlyList<(Guid Key, string State, int Attempts)> rows)
    {
        var content = new DemoContentStore(Path.Combine(stateFolder, "content.db"));
        var writes = content.Writes().GroupBy(w => w.Key).ToDictionary(g => g.Key, g => g.Count());
        var items = content.List().Select(i => i.Key).ToList();
        var missing = items.Count(k => writes.GetValueOrDefault(k) == 0);
        var duplicated = items.Count(k => writes.GetValueOrDefault(k) > 1);
        var rowsNotDone = items.Count - rows.Count(r => r.State == "Done");
        return new WriteAudit(missing, duplicated, rowsNotDone, rows.Count == 0 ? 0 : rows.Max(r => r.Attempts));
    }

    private static async Task<List<(Guid Key, string State, int Attempts)>> PostgresRowsAsync(string connectionString, Guid id)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT content_key, state, attempts FROM dcot_bulk_job_items WHERE job_id = @id", connection);
        command.Parameters.AddWithValue("id", id.ToString());
        return await ReadRowsAsync(command);
    }

    private static async Task<List<(Guid Key, string State, int Attempts)>> SqliteRowsAsync(string path, Guid id)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ToString());
        await connection.OpenAsync();
        await using var command = new SqliteCommand("SELECT content_key, state, attempts FROM dcot_bulk_job_items WHERE job_id = @id", connection);
        command.Parameters.AddWithValue("@id", id.ToString());
        return await ReadRowsAsync(command);
    }

    private static async Task<List<(Guid Key, string State, int Attempts)>> ReadRowsAsync(System.Data.Common.DbCommand command)
    {
        var rows = new List<(Guid, string, int)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((Guid.Parse(reader.GetString(0)), reader.GetString(1), reader.GetInt32(2)));
        return rows;
    }

    /// <summary>Writes zeros until the disk refuses (ENOSPC); returns the bytes written.</summary>
    private static long Fill(string path)
    {
        var chunk = new byte[64 * 1024];
        long written = 0;
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            while (true)
            {
                stream.Write(chunk);
                written += chunk.Length;
            }
        }
        catch (IOException)
        {
            return written;
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {process.StandardError.ReadToEnd()}");
    }

    private sealed class TempFolder : IDisposable
    {
        public TempFolder(string prefix) => Path = Directory.CreateTempSubdirectory(prefix).FullName;
        public string Path { get; }
        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
