using System.Diagnostics;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Plugin.Tests.Browser;

/// <summary>
/// The built web components are committed (so a .NET build needs no Node.js); this rebuilds them from the TypeScript
/// sources into a scratch folder and requires the committed files to be identical.
/// </summary>
public sealed class BackofficeBundleTests
{
    private const string ConfigPath = "App_Plugins/DynamicCot/vite.config.ts";
    private const string CommittedPath = "src/Plugin/wwwroot/App_Plugins/DynamicCot";

    [Fact]
    public async Task Committed_bundle_matches_a_fresh_build_of_the_sources()
    {
        var root = TestPaths.RepositoryRoot;
        var vite = Path.Combine(root, "node_modules", "vite", "bin", "vite.js");
        Assert.True(File.Exists(vite), $"Vite is not installed ({vite} missing): run `npm ci` in the repository root.");
        using var scratch = TestPaths.NewTempFolder("dynamiccot-bundle");

        var (exitCode, output) = await RunAsync(root, "node", vite, "build", "--config", ConfigPath, "--outDir", scratch.Path, "--emptyOutDir", "--logLevel", "warn");
        Assert.True(exitCode == 0, $"vite build failed ({exitCode}):\n{output}");

        var committed = Files(Path.Combine(root, CommittedPath));
        var fresh = Files(scratch.Path);
        const string fix = "run `npm run build:backoffice` and commit src/Plugin/wwwroot/App_Plugins/DynamicCot";
        Assert.True(committed.Keys.Order().SequenceEqual(fresh.Keys.Order()),
            $"The committed bundle's files differ from a fresh build; {fix}.\ncommitted: {string.Join(", ", committed.Keys.Order())}\nfresh: {string.Join(", ", fresh.Keys.Order())}");
        foreach (var (name, path) in fresh)
            Assert.True(File.ReadAllBytes(path).AsSpan().SequenceEqual(File.ReadAllBytes(committed[name])), $"{name} is out of date; {fix}.");
    }

    private static Dictionary<string, string> Files(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f).Replace('\\', '/'), f => f);

    private static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
