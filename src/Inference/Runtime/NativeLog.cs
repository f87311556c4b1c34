using System.Runtime.InteropServices;
using System.Text;
using LLama.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamicCot.Inference;

/// <summary>
/// Receives llama.cpp's and ggml's log (through LLamaSharp's <see cref="NativeLogConfig"/> callback) and mtmd's (its own
/// logger, which LLamaSharp leaves printing to stderr; see <see cref="OnMtmdMessage"/>), forwards it to
/// <see cref="Microsoft.Extensions.Logging"/>, and lets a caller capture what native code logged on its own thread
/// during one call, so a failed load can say llama.cpp's own reason instead of "see the log". Native code logs in
/// fragments; text is buffered per thread until its newline.
/// </summary>
public static class NativeLog
{
    public const string Category = "DynamicCot.Inference.Native";

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
            if (level != LLamaLogLevel.Continue)
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

    /// <summary>Starts recording what native code logs on this thread until the returned scope is disposed.</summary>
    public static NativeLogCapture Capture() => _capture = new NativeLogCapture(_capture);

    internal static void EndCapture(NativeLogCapture capture)
    {
        if (_pending is { Length: > 0 } pending)
            Flush(pending);
        if (ReferenceEquals(_capture, capture))
            _capture = capture.Outer;
    }

    private static void Flush(StringBuilder pending)
    {
        var line = pending.ToString().TrimEnd('\n', '\r');
        pending.Clear();
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
    private const int Keep = 200;
    private readonly List<(LLamaLogLevel Level, string Line)> _lines = new();

    internal NativeLogCapture(NativeLogCapture? outer) => Outer = outer;

    internal NativeLogCapture? Outer { get; }

    internal void Add(LLamaLogLevel level, string line)
    {
        if (_lines.Count == Keep)
            _lines.RemoveAt(0);
        _lines.Add((level, line));
        Outer?.Add(level, line);
    }

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
