using System.CommandLine;
using DynamicCot.Cli;

namespace DynamicCot.Tests.Shared;

/// <summary>Console redirection is process-wide, so every test that runs a command is in this one serial collection.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "console";
}

/// <summary>Runs commands the way the CLI does, wired into a throwaway root, capturing stdout and stderr.</summary>
internal static class InProcessCli
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    public static Outcome Run(Command command, params string[] args)
    {
        var root = new RootCommand("test root");
        root.Subcommands.Add(command);
        var (previousOut, previousError) = (Console.Out, Console.Error);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var exit = CliApplication.Run(root, args);
            return new Outcome(exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }
}
