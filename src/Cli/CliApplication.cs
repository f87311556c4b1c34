using System.CommandLine;
using DynamicCot.Keyphrases;
using Spectre.Console;

namespace DynamicCot.Cli;

/// <summary>
/// Runs a command line and maps failures to exit codes: bad input (a typed error naming the input) prints one
/// clear line on stderr and exits 1; cancellation exits 130; anything unexpected prints the exception and exits 70.
/// </summary>
public static class CliApplication
{
    public const int ExitOk = 0;
    public const int ExitInputError = 1;
    public const int ExitCancelled = 130;
    public const int ExitInternalError = 70;

    /// <param name="waitOnCancel">Ctrl-C waits for the command to honour cancellation instead of ending the process
    /// after a short grace period (for commands that save their work first).</param>
    public static int Run(RootCommand root, string[] args, bool waitOnCancel = false)
    {
        try
        {
            var parse = root.Parse(args);
            var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
            if (waitOnCancel)
                configuration.ProcessTerminationTimeout = null;
            return parse.Invoke(configuration);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return ExitCancelled;
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitInputError;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"internal error: {e}");
            return ExitInternalError;
        }
    }

    /// <summary>
    /// Errors that describe bad input or environment rather than a bug: the project's own families, the native
    /// layer's included, all implement <see cref="IUserFacingError"/>; the others are the .NET types a missing or
    /// malformed file raises.
    /// </summary>
    public static bool IsUserFacing(Exception e) => e is IUserFacingError
        or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ArgumentException or FormatException or NotSupportedException;

    /// <summary>Console for human output on stderr, so stdout stays clean for <c>--json</c>.</summary>
    public static IAnsiConsole Stderr { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Error),
    });
}

/// <summary>Bad command-line input.</summary>
public sealed class CliInputException(string message) : Exception(message), IUserFacingError;
