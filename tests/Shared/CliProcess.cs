using System.Diagnostics;

namespace DynamicCot.Tests.Shared;

/// <summary>Runs a real DynamicCot executable (<c>dynamiccot-finetune</c>, <c>dynamiccot-quantize</c>) as a user would, in its own process.</summary>
internal sealed class CliProcess(string tool)
{
    public static readonly CliProcess Finetune = new("dynamiccot-finetune");
    public static readonly CliProcess Quantize = new("dynamiccot-quantize");

    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public Result Run(params string[] args) => Run(null, args);

    public Result Run(IDictionary<string, string>? environment, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, tool + ".dll");
        var start = new ProcessStartInfo("dotnet", ["exec", dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        if (environment is not null)
            foreach (var (key, value) in environment)
                start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish in 5 minutes");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
