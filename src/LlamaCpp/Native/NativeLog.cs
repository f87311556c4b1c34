using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamicCot.LlamaCpp.Native;

/// <summary>
/// Routes the native log (llama, ggml, mtmd) to <see cref="Microsoft.Extensions.Logging"/>. Native code logs in
/// fragments (a line may arrive in several calls, continued with <see cref="GgmlLogLevel.Continue"/>), so text is
/// buffered per thread until its newline. The ggml abort message is logged as critical before the process dies.
/// </summary>
public static unsafe class NativeLog
{
    /// <summary>Logger category of native messages.</summary>
    public const string Category = "DynamicCot.LlamaCpp.Native";

    private static ILogger _logger = NullLogger.Instance;

    [ThreadStatic] private static StringBuilder? _pending;
    [ThreadStatic] private static LogLevel _pendingLevel;

    /// <summary>Sends native messages to <paramref name="factory"/> (or discards them when null).</summary>
    public static void Attach(ILoggerFactory? factory)
    {
        _logger = factory?.CreateLogger(Category) ?? NullLogger.Instance;
        LlamaLibrary.EnsureLoaded();
        delegate* unmanaged<GgmlLogLevel, byte*, nint, void> callback = &OnLog;
        NativeApi.llama_log_set(callback, 0);
        NativeApi.ggml_log_set(callback, 0);
        NativeApi.mtmd_log_set(callback, 0);
        NativeApi.mtmd_helper_log_set(callback, 0);
        NativeApi.ggml_set_abort_callback(&OnAbort);
    }

    /// <summary>Last abort message seen in this process (native aborts end the process; this is for crash reports).</summary>
    public static string? LastAbortMessage { get; private set; }

    [UnmanagedCallersOnly]
    private static void OnLog(GgmlLogLevel level, byte* text, nint userData)
    {
        try
        {
            var message = Marshal.PtrToStringUTF8((nint)text) ?? string.Empty;
            Append(level, message);
        }
        catch
        {
            // Never let an exception cross into native code.
        }
    }

    [UnmanagedCallersOnly]
    private static void OnAbort(byte* message)
    {
        try
        {
            var text = Marshal.PtrToStringUTF8((nint)message) ?? "(no message)";
            LastAbortMessage = text;
            _logger.LogCritical("Native abort: {Message}", text.TrimEnd());
            Console.Error.WriteLine($"fatal: native engine aborted: {text.TrimEnd()}");
        }
        catch
        {
            // The process is about to abort; nothing else can be done.
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Append(GgmlLogLevel level, string message)
    {
        var pending = _pending ??= new StringBuilder();
        if (level != GgmlLogLevel.Continue)
        {
            if (pending.Length > 0)
                Flush(pending);
            _pendingLevel = Map(level);
        }
        pending.Append(message);
        if (message.EndsWith('\n'))
            Flush(pending);
    }

    private static void Flush(StringBuilder pending)
    {
        var line = pending.ToString().TrimEnd('\n', '\r');
        pending.Clear();
        if (line.Length > 0 && _logger.IsEnabled(_pendingLevel))
            _logger.Log(_pendingLevel, "{NativeMessage}", line);
    }

    private static LogLevel Map(GgmlLogLevel level) => level switch
    {
        GgmlLogLevel.Debug => LogLevel.Debug,
        GgmlLogLevel.Info => LogLevel.Information,
        GgmlLogLevel.Warn => LogLevel.Warning,
        GgmlLogLevel.Error => LogLevel.Error,
        _ => LogLevel.Debug,
    };
}
