using System.Diagnostics;
using System.Reflection;
using NuGet.Frameworks;
using NuGet.Packaging;
using NuGet.Packaging.Core;

namespace DynamicCot.Tests.Shared;

/// <summary>One package of the folder feed: its file list and its .nuspec, read by NuGet's own reader.</summary>
public sealed class PackedPackage
{
    private PackedPackage(NuspecReader nuspec, IReadOnlyList<string> files)
    {
        Nuspec = nuspec;
        Files = files;
    }

    public NuspecReader Nuspec { get; }
    public IReadOnlyList<string> Files { get; }
    public string Id => Nuspec.GetId();

    /// <summary>Every dependency of every target-framework group.</summary>
    public IReadOnlyList<PackageDependency> Dependencies => Nuspec.GetDependencyGroups().SelectMany(g => g.Packages).ToList();

    /// <summary>The dependencies a project targeting <paramref name="framework"/> gets: NuGet's nearest group.</summary>
    public IReadOnlyList<PackageDependency> DependenciesFor(NuGetFramework framework) =>
        NuGetFrameworkUtility.GetNearest(Nuspec.GetDependencyGroups(), framework, g => g.TargetFramework)?.Packages.ToList() ?? [];

    public static PackedPackage Read(string nupkg)
    {
        using var archive = new PackageArchiveReader(nupkg);
        return new PackedPackage(archive.NuspecReader, archive.GetFiles().ToList());
    }

    /// <summary>A restored package's .nuspec (the global packages folder keeps it beside the package's files).</summary>
    public static PackedPackage ReadNuspec(string path) => new(new NuspecReader(path), []);

    /// <summary>Whether a consumer gets the dependency's assets of this kind (NuGet's include/exclude flags).</summary>
    public static bool Flows(PackageDependency dependency, string asset)
    {
        static bool Has(IReadOnlyList<string> flags, string flag) => flags.Any(f => string.Equals(f, flag, StringComparison.OrdinalIgnoreCase));
        var included = dependency.Include.Count == 0 || Has(dependency.Include, "All") || Has(dependency.Include, asset);
        return included && !Has(dependency.Exclude, asset) && !Has(dependency.Exclude, "All");
    }
}

/// <summary>
/// `dotnet pack src/Plugin` into a fresh folder feed, from the plugin as the test build built it (--no-build), with a
/// version no earlier run used: the global packages folder then never serves a stale copy of these packages.
/// </summary>
public static class PluginPackages
{
    public const string SitePackageId = "DynamicCot.Umbraco";

    /// <summary>The configuration this test assembly (and so the plugin it builds first) was built in.</summary>
    public static string BuildConfiguration =>
        typeof(PluginPackages).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } c ? c : "Debug";

    public static string NewVersion() => $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Guid.NewGuid().ToString("N")[..8]}x";

    /// <summary>Packs into <paramref name="feed"/> and returns the packages written there, by id.</summary>
    public static async Task<IReadOnlyDictionary<string, PackedPackage>> PackAsync(string feed, string version)
    {
        var project = Path.Combine(TestPaths.RepositoryRoot, "src", "Plugin", "DynamicCot.Plugin.csproj");
        var result = await DotnetCli.RunAsync(TestPaths.RepositoryRoot, TimeSpan.FromMinutes(3),
            "pack", project, "--no-build", "-c", BuildConfiguration, $"-p:Version={version}", "-o", feed,
            // The generated .nuspec files go beside the feed, not into the plugin's obj folder (one per run).
            $"-p:NuspecOutputPath={Path.Combine(feed, "..", "nuspec")}");
        Assert.True(result.ExitCode == 0, $"dotnet pack failed ({result.ExitCode}):\n{result.Output}");
        return Directory.GetFiles(feed, "*.nupkg").Select(PackedPackage.Read).ToDictionary(p => p.Id, StringComparer.OrdinalIgnoreCase);
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
            lock (output) return new CliResult(-1, $"dotnet {string.Join(' ', arguments)} ran past {limit.TotalSeconds:F0} s:\n{output}");
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
        // A child build must not inherit the test host's MSBuild settings.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment.Remove("MSBuildSDKsPath");
        foreach (var (key, value) in environment) start.Environment[key] = value;
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }
}
