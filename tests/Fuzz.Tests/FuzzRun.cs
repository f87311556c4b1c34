using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace DynamicCot.Fuzz.Tests;

/// <summary>What one input did: a result, or a typed error the target is allowed to raise.</summary>
public enum FuzzOutcome { Result, TypedError }

/// <summary>
/// Runs one target for a time budget over regression inputs, the seed corpus and seeded mutations of it. An input
/// passes when the target returns or raises one of its typed errors, within the per-input time and managed-allocation
/// bounds; anything else (another exception, a hang, an allocation beyond the bound) is a finding, written to a file
/// to keep as a regression input. The duration comes from <c>FUZZ_SECONDS</c> (CI: 30 per target), the seed from
/// <c>FUZZ_SEED</c>; <c>FUZZ_REPORT</c> names a file each run appends its counts to (bench/Fuzz).
/// </summary>
public sealed class FuzzRun(string target, ITestOutputHelper output)
{
    public static TimeSpan Duration => TimeSpan.FromSeconds(double.TryParse(Environment.GetEnvironmentVariable("FUZZ_SECONDS"), out var s) ? s : 30);

    public static int Seed => int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var seed) ? seed : 20251204;

    public TimeSpan PerInputTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Managed bytes one input may allocate: a fixed allowance plus a multiple of its size.</summary>
    public Func<byte[], long> AllocationBound { get; init; } = input => (64L << 20) + 64L * input.Length;

    public void Run(IReadOnlyList<byte[]> seeds, Func<byte[], FuzzOutcome> execute)
    {
        var mutator = new Mutator(Seed);
        var clock = Stopwatch.StartNew();
        long executions = 0, results = 0, typedErrors = 0, maxAllocated = 0;
        var findings = new List<string>();

        IEnumerable<byte[]> Inputs()
        {
            foreach (var regression in Regressions()) yield return regression;
            foreach (var seed in seeds) yield return seed;
            while (clock.Elapsed < Duration)
                yield return mutator.Mutate(seeds[mutator.Random.Next(seeds.Count)], seeds[mutator.Random.Next(seeds.Count)]);
        }

        foreach (var input in Inputs())
        {
            executions++;
            var (outcome, error, allocated) = Execute(input, execute);
            maxAllocated = Math.Max(maxAllocated, allocated);
            if (error is not null)
                findings.Add(Keep(input, error));
            else if (allocated > AllocationBound(input))
                findings.Add(Keep(input, $"allocated {allocated:N0} managed bytes for a {input.Length:N0}-byte input"));
            else if (outcome == FuzzOutcome.Result) results++;
            else typedErrors++;
            if (findings.Count >= 5) break;
        }

        var summary = $"{target}: {executions:N0} executions in {clock.Elapsed.TotalSeconds:F0} s (seed {Seed}): {results:N0} results, " +
            $"{typedErrors:N0} typed errors, {findings.Count} findings, most managed allocation for one input {maxAllocated / 1048576.0:F1} MiB";
        output.WriteLine(summary);
        if (Environment.GetEnvironmentVariable("FUZZ_REPORT") is { Length: > 0 } report)
            File.AppendAllText(report, summary + Environment.NewLine);
        Assert.True(findings.Count == 0, summary + Environment.NewLine + string.Join(Environment.NewLine, findings));
    }

    private (FuzzOutcome Outcome, string? Error, long Allocated) Execute(byte[] input, Func<byte[], FuzzOutcome> execute)
    {
        long allocated = 0;
        var task = Task.Factory.StartNew(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                return execute(input);
            }
            finally
            {
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            if (!task.Wait(PerInputTimeout))
                return (FuzzOutcome.Result, $"no answer within {PerInputTimeout.TotalSeconds:F0} s (hang)", allocated);
            return (task.Result, null, allocated);
        }
        catch (AggregateException e)
        {
            var inner = e.InnerException!;
            var where = string.Join("\n", (inner.StackTrace ?? "").Split('\n').Take(4));
            return (FuzzOutcome.Result, $"{inner.GetType().FullName}: {inner.Message}\n{where}", allocated);
        }
    }

    private IEnumerable<byte[]> Regressions()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Regressions", target);
        return Directory.Exists(folder) ? Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(ReadRegression) : [];
    }

    /// <summary>
    /// Binary regression inputs are kept as hex text (<c>*.hex</c>, whitespace ignored) so the repository tracks no
    /// binary files; text inputs are read as they are.
    /// </summary>
    private static byte[] ReadRegression(string path) =>
        path.EndsWith(".hex", StringComparison.Ordinal)
            ? Convert.FromHexString(string.Concat(File.ReadAllText(path).Where(c => !char.IsWhiteSpace(c))))
            : File.ReadAllBytes(path);

    /// <summary>Writes the input that broke the target where the test output says, to copy into Regressions/.</summary>
    private string Keep(byte[] input, string problem)
    {
        var path = Path.Combine(Path.GetTempPath(), $"dynamiccot-fuzz-{target}-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(input))[..16]}.bin");
        File.WriteAllBytes(path, input);
        return $"{problem} (input kept at {path})";
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
