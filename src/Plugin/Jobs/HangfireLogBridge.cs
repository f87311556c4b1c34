using Hangfire.Logging;
using Microsoft.Extensions.Logging;
using HangfireLogLevel = Hangfire.Logging.LogLevel;
using MsLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace DynamicCot.Plugin.Jobs;

/// <summary>
/// Hangfire's log provider is process-wide, and its classes keep the loggers they get in static fields. Hangfire's
/// ASP.NET Core provider hands them loggers of one host's <see cref="ILoggerFactory"/>; once that host is disposed
/// (a test host, a restarted site) they throw, and a type whose static initializer threw stays broken for the process.
/// This provider resolves each message against the factory of the host started last and drops messages while none
/// is alive.
/// </summary>
public sealed class HangfireLogBridge : ILogProvider
{
    private static volatile ILoggerFactory? _current;

    public static readonly HangfireLogBridge Instance = new();

    private HangfireLogBridge() { }

    /// <summary>Routes Hangfire's messages to this host's logging.</summary>
    public static void Use(ILoggerFactory factory) => _current = factory;

    public ILog GetLogger(string name) => new NamedLog(name);

    private sealed class NamedLog(string name) : ILog
    {
        public bool Log(HangfireLogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            try
            {
                if (_current?.CreateLogger(name) is not { } logger) return false;
                var level = logLevel switch
                {
                    HangfireLogLevel.Trace => MsLogLevel.Trace,
                    HangfireLogLevel.Debug => MsLogLevel.Debug,
                    HangfireLogLevel.Info => MsLogLevel.Information,
                    HangfireLogLevel.Warn => MsLogLevel.Warning,
                    HangfireLogLevel.Error => MsLogLevel.Error,
                    _ => MsLogLevel.Critical,
                };
                if (messageFunc is null) return logger.IsEnabled(level);
#pragma warning disable CA2254 // Hangfire formats its own messages
                logger.Log(level, exception, messageFunc());
#pragma warning restore CA2254
                return true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
