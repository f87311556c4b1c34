using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NetVips;

namespace DynamicCot.Inference.Images.Vips;

/// <summary>
/// Routes glib log messages from libvips (its <c>VIPS-WARNING</c> lines about damaged files, and glib/gobject
/// criticals) to <see cref="Microsoft.Extensions.Logging"/>. Without this, glib prints them to stderr, which a
/// server must not do for every odd upload. Until a logger is attached they are discarded.
/// </summary>
public static class VipsLog
{
    /// <summary>Logger category of libvips messages.</summary>
    public const string Category = "DynamicCot.Inference.Images.Vips";

    private static readonly string[] Domains = ["VIPS", "GLib", "GLib-GObject"];
    private static ILogger _logger = NullLogger.Instance;
    private static bool _installed;

    /// <summary>Sends libvips messages to <paramref name="factory"/> (or discards them when null).</summary>
    public static void Attach(ILoggerFactory? factory)
        => _logger = factory?.CreateLogger(Category) ?? NullLogger.Instance;

    /// <summary>Installs the glib handlers; called once, under <see cref="VipsRuntime"/>'s lock.</summary>
    internal static void Install()
    {
        if (_installed)
            return;
        foreach (var domain in Domains)
            Log.SetLogHandler(domain, Enums.LogLevelFlags.All, OnLog);
        _installed = true;
    }

    private static void OnLog(string domain, Enums.LogLevelFlags level, string message)
    {
        try
        {
            var logLevel = Map(level);
            if (_logger.IsEnabled(logLevel))
                _logger.Log(logLevel, "{Domain}: {NativeMessage}", domain ?? "glib", (message ?? string.Empty).TrimEnd());
        }
        catch
        {
            // Never let an exception cross into native code.
        }
    }

    /// <summary>
    /// glib's levels onto ours. glib hides info and debug messages unless asked (G_MESSAGES_DEBUG), and libvips
    /// emits several per decode ("selected loader is …"), so they become Debug and Trace, never Information.
    /// </summary>
    private static LogLevel Map(Enums.LogLevelFlags level)
    {
        if ((level & (Enums.LogLevelFlags.Error | Enums.LogLevelFlags.Critical)) != 0) return LogLevel.Error;
        if ((level & Enums.LogLevelFlags.Warning) != 0) return LogLevel.Warning;
        if ((level & Enums.LogLevelFlags.Message) != 0) return LogLevel.Information;
        if ((level & Enums.LogLevelFlags.Info) != 0) return LogLevel.Debug;
        return LogLevel.Trace;
    }
}
