using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamicCot.Finetune.Training;

/// <summary>
/// The worker's side of the parent ↔ worker protocol. Events go out as JSON lines on stdout (nothing else may be
/// written there); a stop request arrives as <c>{"command":"stop"}</c> on stdin, as SIGINT/SIGTERM (Ctrl-C in a
/// terminal reaches the whole process group), or as stdin closing (the parent is gone). Any of them sets
/// <see cref="StopRequested"/>; the trainer then saves a checkpoint, emits <c>stopped</c> and exits 0.
/// </summary>
public sealed class TrainingWorkerProtocol : IDisposable
{
    public const string StopCommand = "stop";

    private readonly TextWriter _events;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<PosixSignalRegistration> _signals = [];
    private readonly Lock _gate = new();
    private string? _stopReason;

    /// <param name="events">Where event lines go (the worker's real stdout).</param>
    /// <param name="commands">Where commands come from (the worker's stdin); null: no command channel.</param>
    /// <param name="handleSignals">Turn SIGINT/SIGTERM into a stop request instead of letting them end the process.</param>
    public TrainingWorkerProtocol(TextWriter events, TextReader? commands, bool handleSignals = false)
    {
        ArgumentNullException.ThrowIfNull(events);
        _events = events;
        if (handleSignals)
        {
            foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
                _signals.Add(PosixSignalRegistration.Create(signal, context =>
                {
                    context.Cancel = true;
                    RequestStop(context.Signal.ToString());
                }));
        }
        if (commands is not null)
        {
            var reader = new Thread(() => WatchCommands(commands)) { IsBackground = true, Name = "training-worker-commands" };
            reader.Start();
        }
    }

    /// <summary>
    /// The protocol on this process's console: events on the real stdout, and <see cref="Console.Out"/> pointed at
    /// stderr so that stray prints from any library cannot corrupt the event stream.
    /// </summary>
    public static TrainingWorkerProtocol ForConsole()
    {
        var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false)) { AutoFlush = true };
        Console.SetOut(Console.Error);
        return new TrainingWorkerProtocol(stdout, Console.In, handleSignals: true);
    }

    /// <summary>Cancelled once a stop was requested; check it between steps, and save before exiting.</summary>
    public CancellationToken StopRequested => _stop.Token;

    /// <summary>What asked to stop: <c>command</c>, <c>stdin closed</c>, <c>SIGINT</c> or <c>SIGTERM</c>; null while running.</summary>
    public string? StopReason => _stopReason;

    /// <summary>Writes one event line and flushes it. Safe to call from several threads.</summary>
    public void Emit(TrainingEvent trainingEvent)
    {
        ArgumentNullException.ThrowIfNull(trainingEvent);
        var line = trainingEvent.ToJsonLine();
        lock (_gate)
        {
            _events.Write(line);
            _events.Write('\n');
            _events.Flush();
        }
    }

    public void RequestStop(string reason)
    {
        Interlocked.CompareExchange(ref _stopReason, reason, null);
        try { _stop.Cancel(); } catch (ObjectDisposedException) { }
    }

    public void Dispose()
    {
        foreach (var registration in _signals)
            registration.Dispose();
        _stop.Dispose();
    }

    private void WatchCommands(TextReader commands)
    {
        try
        {
            while (commands.ReadLine() is { } line)
            {
                if (string.IsNullOrWhiteSpace(line))
                    continue;
                string? command = null;
                try
                {
                    command = (string?)(JsonNode.Parse(line) as JsonObject)?["command"];
                }
                catch (Exception e) when (e is JsonException or InvalidOperationException)
                {
                }
                if (command == StopCommand)
                    RequestStop("command");
                else
                    Console.Error.WriteLine($"training worker: ignoring unknown command line: {line}");
            }
            RequestStop("stdin closed");
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            RequestStop("stdin closed");
        }
    }
}
