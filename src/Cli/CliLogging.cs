using Microsoft.Extensions.Logging;

namespace DynamicCot.Cli;

/// <summary>
/// What the command lines show of the engine's own log: its warnings and errors as <c>warning: …</c> lines on stderr
/// (stdout stays clean for <c>--json</c>). The native log (<c>DynamicCot.Llama.Native</c>) stays out: mtmd warns on
/// every load about budgets the user chose.
/// </summary>
public static class CliLogging
{
    public static ILoggerFactory EngineWarnings() => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(LogLevel.Warning)
        .AddFilter("DynamicCot.Llama", LogLevel.None)
        .AddProvider(new StderrProvider()));

    private sealed class StderrProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new StderrLogger();

        public void Dispose()
        {
        }
    }

    private sealed class StderrLogger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                Console.Error.WriteLine($"{(logLevel >= LogLevel.Error ? "error" : "warning")}: {formatter(state, exception)}");
        }
    }
}
