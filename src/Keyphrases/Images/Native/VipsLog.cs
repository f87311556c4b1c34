using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamicCot.Keyphrases.Images.Native;

/// <summary>
/// Routes glib log messages from libvips (its <c>VIPS-WARNING</c> lines about damaged files, and glib/gobject
/// criticals) to <see cref="Microsoft.Extensions.Logging"/>. Without this, glib prints them to stderr, which a
/// server must not do for every odd upload. Until a logger is attached they are discarded.
/// </summary>
public static unsafe class VipsLog
{
    /// <summary>Logger category of libvips messages.</summary>
    public const string Category = "DynamicCot.Keyphrases.Images.Vips";

    private static readonly string[] Domains = ["VIPS", "GLib", "GLib-GObject"];

    // glib's GLogLevelFlags: two flag bits, then ERROR … DEBUG.
    private const int AllLevelsAndFlags = 0xFF;
    private const int LevelError = 1 << 2;
    private const int LevelCritical = 1 << 3;
    private const int LevelWarning = 1 << 4;
    private const int LevelMessage = 1 << 5;
    private const int LevelInfo = 1 << 6;

    private static ILogger _logger = NullLogger.Instance;
    private static bool _installed;

    /// <summary>Sends libvips messages to <paramref name="factory"/> (or discards them when null).</summary>
    public static void Attach(ILoggerFactory? factory)
        => _logger = factory?.CreateLogger(Category) ?? NullLogger.Instance;

    /// <summary>Installs the glib handlers; called once by <see cref="VipsLibrary"/> before <c>vips_init</c>.</summary>
    internal static void Install()
    {
        if (_installed)
            return;
        foreach (var domain in Domains)
            VipsApi.g_log_set_handler(domain, AllLevelsAndFlags, &OnLog, 0);
        _installed = true;
    }

    [UnmanagedCallersOnly]
    private static void OnLog(byte* domain, int level, byte* message, nint userData)
    {
        try
        {
            var logLevel = Map(level);
            if (!_logger.IsEnabled(logLevel))
                return;
            var domainText = Marshal.PtrToStringUTF8((nint)domain) ?? "glib";
            var text = Marshal.PtrToStringUTF8((nint)message) ?? string.Empty;
            _logger.Log(logLevel, "{Domain}: {NativeMessage}", domainText, text.TrimEnd());
        }
        catch
        {
            // Never let an exception cross into native code.
        }
    }

    private static LogLevel Map(int level)
    {
        if ((level & (LevelError | LevelCritical)) != 0) return LogLevel.Error;
        if ((level & LevelWarning) != 0) return LogLevel.Warning;
        if ((level & (LevelMessage | LevelInfo)) != 0) return LogLevel.Information;
        return LogLevel.Debug;
    }
}
