using Spectre.Console;

namespace DynamicCot.Finetune.Commands;

/// <summary>
/// A Spectre console over the current <see cref="Console.Out"/>, made per invocation (not the cached
/// <see cref="AnsiConsole.Console"/>) so that output follows redirection, including in tests.
/// </summary>
internal static class ConsoleOutput
{
    public static IAnsiConsole Stdout() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
}
