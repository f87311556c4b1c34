using Spectre.Console;

namespace DynamicCot.Finetune.Commands;

/// <summary>
/// Spectre consoles over the current <see cref="Console.Out"/> and <see cref="Console.Error"/>, made per invocation
/// (not cached ones) so that output follows redirection, including in tests.
/// </summary>
internal static class ConsoleOutput
{
    public static IAnsiConsole Stdout() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });

    /// <summary>Progress and notes for humans, on the current <see cref="Console.Error"/> (stdout stays clean for <c>--json</c>).</summary>
    public static IAnsiConsole Stderr() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
}
