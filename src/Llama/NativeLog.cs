using System.Runtime.InteropServices;
using System.Text;
using LLama.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamicCot.Llama;

/// <summary>
/// The one receiver of native log lines: llama.cpp's and ggml's (through LLamaSharp's <see cref="NativeLogConfig"/>
/// callback, installed by <see cref="LlamaRuntime"/>) and mtmd's (its own logger, which LLamaSharp leaves printing to
/// stderr; see <see cref="OnMtmdMessage"/>). It forwards them to <see cref="Microsoft.Extensions.Logging"/> and lets a
/// caller capture what native code logged on its own thread during one call: a failed load says llama.cpp's own
/// reason instead of "see the log", and the quantizer reads its per-tensor lines for progress and its errors.
/// Native code logs in fragments (llama.cpp's quantizer prints one tensor's line in three calls at the same level);
/// text is buffered per thread until its newline or a change of level.
/// </summary>
public static class NativeLog
{
    public const string Category = "DynamicCot.Llama.Native";

    private static ILogger _logger = NullLogger.Instance;
    [ThreadStatic] private static StringBuilder? _pending;
    [ThreadStatic] private static LLamaLogLevel _pendingLevel;
    [ThreadStatic] private static NativeLogCapture? _capture;

    /// <summary>Sends native messages to <paramref name="factory"/> (or discards them when null).</summary>
    public static void Attach(ILoggerFactory? factory) => _logger = factory?.CreateLogger(Category) ?? NullLogger.Instance;

    /// <summary>The callback LLamaSharp installs into llama.cpp when it loads the library.</summary>
    internal static void OnMessage(LLamaLogLevel level, string message)
    {
        try
        {
            var pending = _pending ??= new StringBuilder();
            if (level != LLamaLogLevel.Continue && level != _pendingLevel)
            {
                if (pending.Length > 0)
                    Flush(pending);
                _pendingLevel = level;
            }
            pending.Append(message);
            if (message.EndsWith('\n'))
                Flush(pending);
        }
        catch
        {
            // Never let an exception cross into native code.
        }
    }

    /// <summary>
    /// mtmd's and clip's <c>ggml_log_callback</c>: <c>ggml_log_level</c> has <see cref="LLamaLogLevel"/>'s values. Without
    /// it mtmd prints its per-image debug lines ("add_text", "image slice encoded") on every CLI's console.
    /// </summary>
    [UnmanagedCallersOnly]
    internal static unsafe void OnMtmdMessage(int level, byte* text, nint userData)
    {
        try
        {
            OnMessage((LLamaLogLevel)level, Marshal.PtrToStringUTF8((nint)text) ?? string.Empty);
        }
        catch
        {
            // Never let an exception cross into native code.
        }
    }

    /// <summary>
    /// Starts recording what native code logs on this thread until the returned scope is disposed.
    /// <paramref name="onLine"/> sees each complete line as it arrives; <paramref name="keep"/> bounds the lines kept.
    /// </summary>
    public static NativeLogCapture Capture(Action<string>? onLine = null, int keep = NativeLogCapture.DefaultKeep) =>
        _capture = new NativeLogCapture(_capture, onLine, keep);

    internal static void EndCapture(NativeLogCapture capture)
    {
        if (_pending is { Length: > 0 } pending)
            Flush(pending);
        if (ReferenceEquals(_capture, capture))
            _capture = capture.Outer;
    }

    private static void Flush(StringBuilder pending)
    {
        var text = pending.ToString().TrimEnd('\n', '\r');
        pending.Clear();
        foreach (var line in text.Split('\n'))
            Deliver(line.TrimEnd('\r'));
    }

    private static void Deliver(string line)
    {
        if (line.Length == 0)
            return;
        _capture?.Add(_pendingLevel, line);
        var level = Map(_pendingLevel);
        if (_logger.IsEnabled(level))
            _logger.Log(level, "{NativeMessage}", line);
    }

    // Native "info" is chatter at our Debug: mtmd and clip write it per image and per batch ("image decoded (batch 1/1)
    // in 3 ms"), llama.cpp per context and per loaded tensor group; a bulk job over 100,000 items would write hundreds
    // of thousands of lines at the default level. The engine logs one Information line per model load itself.
    private static LogLevel Map(LLamaLogLevel level) => level switch
    {
        LLamaLogLevel.Debug => LogLevel.Debug,
        LLamaLogLevel.Info => LogLevel.Debug,
        LLamaLogLevel.Warning => LogLevel.Warning,
        LLamaLogLevel.Error => LogLevel.Error,
        _ => LogLevel.Debug,
    };
}

/// <summary>Native log lines recorded on one thread during a call (see <see cref="NativeLog.Capture"/>).</summary>
public sealed class NativeLogCapture : IDisposable
{
    /// <summary>Lines a capture keeps unless told otherwise: enough for a model load's reasons.</summary>
    public const int DefaultKeep = 200;

    private readonly Queue<(LLamaLogLevel Level, string Line)> _lines = new();
    private readonly Action<string>? _onLine;
    private readonly int _keep;

    internal NativeLogCapture(NativeLogCapture? outer, Action<string>? onLine, int keep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        Outer = outer;
        _onLine = onLine;
        _keep = keep;
    }

    internal NativeLogCapture? Outer { get; }

    internal void Add(LLamaLogLevel level, string line)
    {
        if (_lines.Count == _keep)
            _lines.Dequeue();
        _lines.Enqueue((level, line));
        _onLine?.Invoke(line);
        Outer?.Add(level, line);
    }

    /// <summary>Every line kept, oldest first.</summary>
    public IReadOnlyList<string> Lines => _lines.Select(l => l.Line).ToArray();

    /// <summary>Whether native code logged an error during the capture.</summary>
    public bool HasErrors => _lines.Any(l => l.Level == LLamaLogLevel.Error);

    /// <summary>The last warning and error lines (llama.cpp's reasons), oldest first; at most <paramref name="count"/>.</summary>
    public IReadOnlyList<string> LastProblems(int count = 4) =>
        _lines.Where(l => l.Level is LLamaLogLevel.Error or LLamaLogLevel.Warning).TakeLast(count).Select(l => l.Line.Trim()).ToArray();

    /// <summary>" llama.cpp said: …" with the last problem lines, or an empty string when it logged none.</summary>
    public string Explanation()
    {
        var problems = LastProblems();
        return problems.Count == 0 ? string.Empty : " llama.cpp said: " + string.Join(" | ", problems);
    }

    public void Dispose() => NativeLog.EndCapture(this);
}
