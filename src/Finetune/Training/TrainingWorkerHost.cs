using System.Diagnostics;
using System.Globalization;
using DynamicCot.Llama;

namespace DynamicCot.Finetune.Training;

/// <summary>How to start the worker process.</summary>
public sealed record TrainingWorkerStartInfo(string FileName, IReadOnlyList<string> Arguments)
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Extra environment variables for the worker.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>
    /// <c>dynamiccot-finetune train-worker --config CONFIG</c>, always under the trainer's own runtime configuration:
    /// through the apphost when this process is the <c>dynamiccot-finetune</c> executable; through
    /// <c>trainer/dynamiccot-finetune</c> beside the running app when it is there (a web host that trains, see
    /// build/TrainerExecutable.targets); else <c>dotnet exec dynamiccot-finetune.dll</c> with the trainer's own
    /// runtimeconfig (tests, <c>dotnet run</c>). A web host without its <c>trainer/</c> folder gets a clear error rather
    /// than a worker running under the web host's runtime configuration.
    /// </summary>
    public static TrainingWorkerStartInfo ForFinetuneWorker(string configPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(configPath);
        string[] workerArguments = ["train-worker", "--config", Path.GetFullPath(configPath)];
        var processPath = System.Environment.ProcessPath;
        var entryName = typeof(TrainingWorkerHost).Assembly.GetName().Name!;
        if (processPath is not null && Path.GetFileNameWithoutExtension(processPath) == entryName)
            return new TrainingWorkerStartInfo(processPath, workerArguments) { Environment = WorkerEnvironment() };

        var besideApp = Path.Combine(AppContext.BaseDirectory, TrainerFolder, entryName);
        if (File.Exists(besideApp))
            return new TrainingWorkerStartInfo(besideApp, workerArguments) { Environment = WorkerEnvironment() };

        var dll = typeof(TrainingWorkerHost).Assembly.Location;
        var ownConfig = Path.ChangeExtension(dll, ".runtimeconfig.json");
        if (RunsInWebHost() || !File.Exists(ownConfig))
            throw new FileNotFoundException(
                $"The trainer executable was not found at {besideApp}. A web app that starts training imports " +
                "build/TrainerExecutable.targets, which copies src/Finetune's output into its trainer/ folder; the trainer " +
                "never runs under the web app's runtime configuration.", besideApp);
        var dotnet = processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "dotnet" ? processPath : "dotnet";
        return new TrainingWorkerStartInfo(dotnet, ["exec", "--runtimeconfig", ownConfig, dll, .. workerArguments]) { Environment = WorkerEnvironment() };
    }

    /// <summary>The folder beside a web app that holds the trainer's own build output.</summary>
    public const string TrainerFolder = "trainer";

    /// <summary>
    /// LibTorch's OpenMP runtime reads <c>OMP_WAIT_POLICY</c> when it loads; the worker starts with the policy
    /// <see cref="OpenMpEnvironment"/> gives native code (the user's, else its default).
    /// </summary>
    private static Dictionary<string, string> WorkerEnvironment() =>
        string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable(OpenMpEnvironment.WaitPolicyVariable))
            ? new Dictionary<string, string> { [OpenMpEnvironment.WaitPolicyVariable] = OpenMpEnvironment.DefaultWaitPolicy }
            : new Dictionary<string, string>();

    /// <summary>Whether the running app is an ASP.NET Core app (its runtime config names the ASP.NET Core framework).</summary>
    private static bool RunsInWebHost()
    {
        var entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        if (string.IsNullOrEmpty(entry)) return false;
        var config = Path.ChangeExtension(entry, ".runtimeconfig.json");
        return File.Exists(config) && File.ReadAllText(config).Contains("Microsoft.AspNetCore.App", StringComparison.Ordinal);
    }
}

public sealed record TrainingWorkerHostOptions
{
    /// <summary>How long a stop request may take (the worker saves a checkpoint) before the worker is killed.</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>stderr lines kept for the error report.</summary>
    public int StderrLinesKept { get; init; } = 40;

    /// <summary>The run folder, to name the newest checkpoint when the worker dies without having reported one.</summary>
    public string? RunDirectory { get; init; }

    /// <summary>Called with every stderr line of the worker (e.g. to show llama.cpp's log); on a reader thread.</summary>
    public Action<string>? StderrLine { get; init; }
}

public enum TrainingWorkerOutcome
{
    /// <summary>The worker reported <c>done</c> and exited 0.</summary>
    Completed,

    /// <summary>The worker stopped on request after saving a checkpoint (<c>stopped</c>, exit 0).</summary>
    Stopped,
}

public sealed record TrainingWorkerResult(TrainingWorkerOutcome Outcome, TrainingEvent FinalEvent, IReadOnlyList<string> StderrTail);

/// <summary>
/// The worker died (native abort, signal, non-zero exit), reported an error, or did not stop in time. The message says
/// what happened, shows the last stderr lines, and names the checkpoint to resume from.
/// </summary>
public sealed class TrainingWorkerFailedException : Exception, DynamicCot.Keyphrases.IUserFacingError
{
    public TrainingWorkerFailedException(string summary, int? exitCode, string? workerError, IReadOnlyList<string> stderrTail, string? resumeCheckpoint, TrainingEvent? lastEvent)
        : base(Describe(summary, stderrTail, resumeCheckpoint, SignalName(exitCode) == "SIGKILL"))
    {
        ExitCode = exitCode;
        Signal = SignalName(exitCode);
        WorkerError = workerError;
        StderrTail = stderrTail;
        ResumeCheckpoint = resumeCheckpoint;
        LastEvent = lastEvent;
    }

    /// <summary>The worker's exit status (128 + n when signal n ended it, as .NET reports it); null when it was killed on timeout.</summary>
    public int? ExitCode { get; }

    /// <summary>e.g. <c>SIGABRT</c> when a signal ended the worker.</summary>
    public string? Signal { get; }

    /// <summary>The <c>message</c> of the worker's <c>error</c> event, if it sent one.</summary>
    public string? WorkerError { get; }

    public IReadOnlyList<string> StderrTail { get; }

    /// <summary>The newest checkpoint folder, or null when the run saved none yet.</summary>
    public string? ResumeCheckpoint { get; }

    public TrainingEvent? LastEvent { get; }

    internal static string? SignalName(int? exitCode) => exitCode switch
    {
        > 128 and < 160 => (exitCode.Value - 128) switch
        {
            1 => "SIGHUP", 2 => "SIGINT", 4 => "SIGILL", 6 => "SIGABRT", 7 => "SIGBUS", 8 => "SIGFPE", 9 => "SIGKILL",
            11 => "SIGSEGV", 13 => "SIGPIPE", 15 => "SIGTERM", var n => "signal " + n.ToString(CultureInfo.InvariantCulture),
        },
        _ => null,
    };

    private static string Describe(string summary, IReadOnlyList<string> stderrTail, string? resume, bool killed)
    {
        var text = new System.Text.StringBuilder(summary);
        text.Append((resume, killed) switch
        {
            (null, false) => ". No checkpoint was saved yet; start the run again.",
            (null, true) => ". No checkpoint was saved yet.",
            (_, true) => $". The newest checkpoint is '{resume}'; --resume continues from it once the run fits in memory.",
            _ => $". Resume from the checkpoint '{resume}' with --resume.",
        });
        if (stderrTail.Count > 0)
        {
            text.Append("\nLast lines the worker wrote to stderr:");
            foreach (var line in stderrTail)
                text.Append("\n  ").Append(line);
        }
        return text.ToString();
    }
}

/// <summary>
/// Runs training in a child process so that a native abort (GGML_ASSERT → SIGABRT) or a crash ends only the worker:
/// forwards its JSON progress events, keeps its stderr tail, turns cancellation into a graceful stop request
/// (<c>{"command":"stop"}</c> on its stdin; the worker saves and exits), and reports failures with the checkpoint
/// to resume from.
/// </summary>
public sealed class TrainingWorkerHost(TrainingWorkerStartInfo startInfo, TrainingWorkerHostOptions? options = null)
{
    private readonly TrainingWorkerHostOptions _options = options ?? new TrainingWorkerHostOptions();

    /// <summary>
    /// Starts the worker and waits for it. Cancelling <paramref name="cancellationToken"/> asks the worker to stop;
    /// a worker that stops cleanly gives <see cref="TrainingWorkerOutcome.Stopped"/>.
    /// </summary>
    /// <exception cref="TrainingWorkerFailedException">The worker crashed, failed, or ignored the stop request.</exception>
    public async Task<TrainingWorkerResult> RunAsync(IProgress<TrainingEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(startInfo.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardErrorEncoding = System.Text.Encoding.UTF8,
            WorkingDirectory = startInfo.WorkingDirectory ?? "",
        };
        foreach (var argument in startInfo.Arguments)
            start.ArgumentList.Add(argument);
        foreach (var (key, value) in startInfo.Environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new TrainingWorkerFailedException($"could not start the training worker '{startInfo.FileName}': {e.Message}", null, null, [], ResumeFrom(null), null);
        }

        var stderrTail = new Queue<string>();
        TrainingEvent? lastEvent = null;
        TrainingEvent? finalEvent = null;
        TrainingEvent? errorEvent = null;
        string? lastCheckpoint = null;

        var stdoutPump = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                var e = TrainingEvent.TryParse(line) ?? TrainingEvent.ForLog(line);
                if (e.Kind != TrainingEvent.LogKind)
                    lastEvent = e;
                if (e.CheckpointPath is { } checkpoint)
                    lastCheckpoint = checkpoint;
                if (e.Kind is TrainingEvent.DoneKind or TrainingEvent.StoppedKind)
                    finalEvent = e;
                if (e.Kind == TrainingEvent.ErrorKind)
                    errorEvent = e;
                progress?.Report(e);
            }
        }, CancellationToken.None);
        var stderrPump = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lock (stderrTail)
                {
                    stderrTail.Enqueue(line);
                    while (stderrTail.Count > _options.StderrLinesKept)
                        stderrTail.Dequeue();
                }
                _options.StderrLine?.Invoke(line);
            }
        }, CancellationToken.None);

        // The worker's resident memory, sampled, so a kill by the OOM killer can be reported with the figure.
        long peakMemoryBytes = 0;
        using var sampling = new CancellationTokenSource();
        var memorySampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                try
                {
                    process.Refresh();
                    peakMemoryBytes = Math.Max(peakMemoryBytes, process.WorkingSet64);
                    await Task.Delay(TimeSpan.FromSeconds(1), sampling.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
                {
                    return;
                }
            }
        }, CancellationToken.None);

        var stopRequested = false;
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            stopRequested = true;
            RequestStop(process);
            using var grace = new CancellationTokenSource(_options.StopGracePeriod);
            try
            {
                await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                await Task.WhenAll(stdoutPump, stderrPump).ConfigureAwait(false);
                throw new TrainingWorkerFailedException(
                    $"the training worker did not stop within {_options.StopGracePeriod.TotalSeconds:F0} s of the stop request and was killed {TrainingEvent.Describe(lastEvent)}",
                    null, null, Snapshot(stderrTail), ResumeFrom(lastCheckpoint), lastEvent);
            }
        }
        await Task.WhenAll(stdoutPump, stderrPump).ConfigureAwait(false);
        await sampling.CancelAsync().ConfigureAwait(false);
        await memorySampler.ConfigureAwait(false);

        var exitCode = process.ExitCode;
        var tail = Snapshot(stderrTail);
        if (exitCode != 0 || errorEvent is not null)
        {
            var how = TrainingWorkerFailedException.SignalName(exitCode) is { } signal
                ? $"the training worker was killed by {signal} (exit {exitCode}){(signal == "SIGKILL" ? OutOfMemoryHint(peakMemoryBytes) : "")}"
                : $"the training worker failed (exit {exitCode})";
            var summary = errorEvent?.Message is { } message ? $"{how}: {message}" : how;
            throw new TrainingWorkerFailedException($"{summary} {TrainingEvent.Describe(lastEvent)}", exitCode, errorEvent?.Message, tail, ResumeFrom(lastCheckpoint), lastEvent);
        }
        if (finalEvent is null)
            throw new TrainingWorkerFailedException(
                $"the training worker exited 0 without reporting 'done' or 'stopped' {TrainingEvent.Describe(lastEvent)}{(stopRequested ? " (after a stop request)" : "")}",
                exitCode, null, tail, ResumeFrom(lastCheckpoint), lastEvent);
        var outcome = finalEvent.Kind == TrainingEvent.DoneKind ? TrainingWorkerOutcome.Completed : TrainingWorkerOutcome.Stopped;
        return new TrainingWorkerResult(outcome, finalEvent, tail);
    }

    private static void RequestStop(Process process)
    {
        try
        {
            process.StandardInput.WriteLine("{\"command\":\"" + TrainingWorkerProtocol.StopCommand + "\"}");
            process.StandardInput.Flush();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The worker already closed its stdin or exited; its exit status tells the rest.
        }
    }

    /// <summary>
    /// Nothing in this program sends SIGKILL, so it was almost certainly the kernel's OOM killer: resuming would die
    /// the same way. Say so, with the worker's last measured memory and the machine's, so the fix (a smaller batch,
    /// fewer tokens, gradient checkpointing, more memory) is obvious.
    /// </summary>
    internal static string OutOfMemoryHint(long peakMemoryBytes)
    {
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var peak = peakMemoryBytes > 0 ? $"its resident memory had reached {peakMemoryBytes / 1e9:F1} GB" : "its memory use was not measured";
        return $" — most likely the kernel's out-of-memory killer ({peak}; the machine has {available / 1e9:F1} GB). Resuming would run out the same way:"
            + " lower --batch-size or --max-tokens, use --gradient-checkpointing, or free memory (`dmesg | grep -i oom` confirms)";
    }

    private string? ResumeFrom(string? reported) =>
        reported ?? (_options.RunDirectory is { } run ? new TrainingCheckpointStore(run).FindLatest() : null);

    private static string[] Snapshot(Queue<string> tail)
    {
        lock (tail)
            return tail.ToArray();
    }
}
