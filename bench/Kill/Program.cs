// Kill runs: a bulk retag of N demo items while (a) one of 3 nodes is SIGKILLed, (b) PostgreSQL is restarted, (c) the
// disk holding the SQLite job store fills up (one node). Each run ends when the job does (Failed ones are restarted
// once, as an administrator would), then counts the content store's tag writes per item and the job's item rows.
//   dotnet run -c Release --project bench/Kill -- [--scenario all|node-kill|postgres-restart|disk-full] [--items 5000]
//     [--delay-ms 20] [--batch 50] [--at 0.3] [--data ../shared/data]
// The disk-full run mounts a tmpfs (root); PostgreSQL's server binaries must be installed (see ThrowawayPostgres).
using System.Globalization;
using DynamicCot.Bench.Kill;

var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a[2..], p => p.i + 1 < args.Length ? args[p.i + 1] : "");
string Option(string name, string fallback) => options.TryGetValue(name, out var value) ? value : fallback;

var settings = new KillRunSettings(
    Items: int.Parse(Option("items", "5000"), CultureInfo.InvariantCulture),
    EngineDelayMilliseconds: int.Parse(Option("delay-ms", "20"), CultureInfo.InvariantCulture),
    BatchSize: int.Parse(Option("batch", "50"), CultureInfo.InvariantCulture),
    DisruptAt: double.Parse(Option("at", "0.3"), CultureInfo.InvariantCulture),
    DataFolder: Path.GetFullPath(Option("data", "../shared/data")));
var scenario = Option("scenario", "all");
var scenarios = new Dictionary<string, Func<KillRunSettings, Task<KillRunResult>>>
{
    ["node-kill"] = KillRuns.NodeKilledAsync,
    ["postgres-restart"] = KillRuns.PostgresRestartedAsync,
    ["disk-full"] = KillRuns.SqliteDiskFullAsync,
};
if (scenario != "all" && !scenarios.ContainsKey(scenario))
{
    Console.Error.WriteLine($"--scenario must be all or one of {string.Join(", ", scenarios.Keys)}; got '{scenario}'.");
    return 2;
}

var failed = false;
foreach (var (name, run) in scenarios.Where(s => scenario == "all" || s.Key == scenario))
{
    Console.WriteLine($"== {name}: {settings.Items} items, stand-in engine {settings.EngineDelayMilliseconds} ms, batches of {settings.BatchSize}; load {KillRuns.LoadAverage()}");
    var result = await run(settings);
    Console.WriteLine(result.Summary(name));
    failed |= !result.ExactlyOnce || result.FinalStatus != "Completed";
}
return failed ? 1 : 0;
