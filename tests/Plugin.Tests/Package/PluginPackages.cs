using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Plugin.Tests.Package;

/// <summary>A dependency as a package's .nuspec declares it.</summary>
/// <param name="Exclude">The asset kinds the consumer does not get from it (NuGet's <c>exclude</c>, or all but <c>include</c>).</param>
public sealed record NuspecDependency(string Id, string Version, IReadOnlySet<string> Exclude);

/// <summary>One .nupkg of the folder feed: its file list and its .nuspec.</summary>
public sealed class PackedPackage
{
    private PackedPackage(string path, XDocument nuspec, IReadOnlyList<string> files)
    {
        Path = path;
        Nuspec = nuspec;
        Files = files;
    }

    public string Path { get; }
    public XDocument Nuspec { get; }
    public IReadOnlyList<string> Files { get; }

    public string Metadata(string name) =>
        Nuspec.Root!.Elements().First(e => e.Name.LocalName == "metadata").Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";

    public IReadOnlyList<NuspecDependency> Dependencies =>
        Nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(ToDependency).ToList();

    public static PackedPackage Read(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var files = zip.Entries.Select(e => e.FullName).ToList();
        var entry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase) && !e.FullName.Contains('/'));
        using var stream = entry.Open();
        return new PackedPackage(path, XDocument.Load(stream), files);
    }

    private static NuspecDependency ToDependency(XElement e)
    {
        var all = new[] { "compile", "runtime", "contentfiles", "build", "buildtransitive", "native", "analyzers" };
        var exclude = Split(e.Attribute("exclude")?.Value);
        if (e.Attribute("include")?.Value is { } include && !Split(include).Contains("all"))
            exclude.UnionWith(all.Except(Split(include)));
        return new NuspecDependency(e.Attribute("id")!.Value, e.Attribute("version")?.Value ?? "", exclude);
    }

    private static HashSet<string> Split(string? flags) =>
        (flags ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(f => f.ToLowerInvariant()).Where(f => f != "none").ToHashSet();
}

/// <summary>
/// `dotnet pack src/Plugin` into a fresh folder feed, from the plugin as the test build built it (--no-build), with a
/// version no earlier run used: the global packages folder then never serves a stale copy of these packages.
/// </summary>
public static class PluginPackages
{
    public const string SitePackageId = "DynamicCot.Umbraco";

    /// <summary>The configuration this test assembly (and so the plugin it references) was built in.</summary>
    public static string BuildConfiguration =>
        typeof(PluginPackages).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } c ? c : "Debug";

    public static string NewVersion() => $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Guid.NewGuid().ToString("N")[..8]}x";

    /// <summary>Packs into <paramref name="feed"/> and returns the packages written there, by id.</summary>
    public static async Task<IReadOnlyDictionary<string, PackedPackage>> PackAsync(string feed, string version)
    {
        var project = System.IO.Path.Combine(TestPaths.RepositoryRoot, "src", "Plugin", "DynamicCot.Plugin.csproj");
        var result = await DotnetCli.RunAsync(TestPaths.RepositoryRoot, TimeSpan.FromMinutes(3),
            "pack", project, "--no-build", "-c", BuildConfiguration, $"-p:Version={version}", "-o", feed,
            // The generated .nuspec files go beside the feed, not into the plugin's obj folder (one per run).
            $"-p:NuspecOutputPath={System.IO.Path.Combine(feed, "..", "nuspec")}");
        Assert.True(result.ExitCode == 0, $"dotnet pack failed ({result.ExitCode}):\n{result.Output}");
        return Directory.GetFiles(feed, "*.nupkg").Select(PackedPackage.Read)
            .ToDictionary(p => p.Metadata("id"), StringComparer.OrdinalIgnoreCase);
    }
}

public sealed record CliResult(int ExitCode, string Output);

/// <summary>Runs the dotnet CLI with its output captured, killed (with its children) past a time limit.</summary>
public static class DotnetCli
{
    public static async Task<CliResult> RunAsync(string workingDirectory, TimeSpan limit, params string[] arguments)
    {
        using var process = Start(workingDirectory, arguments, new Dictionary<string, string>());
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return new CliResult(-1, $"dotnet {string.Join(' ', arguments)} ran past {limit.TotalSeconds:F0} s:\n{output}");
        }
        process.WaitForExit();
        lock (output) return new CliResult(process.ExitCode, output.ToString());
    }

    public static Process Start(string workingDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        // A child build must not inherit the test host's MSBuild node or its project-specific settings.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment.Remove("MSBuildSDKsPath");
        foreach (var (key, value) in environment) start.Environment[key] = value;
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }
}
