using System.Diagnostics;
using DynamicCot.Finetune.Torch;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DynamicCot.Finetune.Tests.Torch;

/// <summary>
/// The build step that lets TorchSharp's native library load on a libstdc++ without GLIBCXX_3.4.32: it marked the
/// requirement weak in this test's build output exactly when the system lacks the version, never touched the NuGet
/// cache copy, and the library then loads and computes.
/// </summary>
public sealed class LibTorchSharpBuildStepTests(ITestOutputHelper output)
{
    private const string Version = "GLIBCXX_3.4.32";

    [Fact]
    public void The_output_copy_is_weakened_only_when_needed_and_loads()
    {
        var built = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var cached = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(built), built);
        Assert.True(File.Exists(cached), cached);

        var systemHasVersion = File.ReadAllText("/usr/lib/x86_64-linux-gnu/libstdc++.so.6", System.Text.Encoding.Latin1).Contains(Version + "\0", StringComparison.Ordinal);
        var builtFlags = VersionFlags(built);
        var cachedFlags = VersionFlags(cached);
        output.WriteLine($"system libstdc++ has {Version}: {systemHasVersion}; output copy: {builtFlags}; NuGet copy: {cachedFlags}");
        Assert.Equal("none", cachedFlags);
        Assert.Equal(systemHasVersion ? "none" : "WEAK", builtFlags);
        Assert.Equal(new FileInfo(cached).Length, new FileInfo(built).Length);

        TorchRuntime.Initialize(1);
        using var x = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var y = x.matmul(x);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, y.data<float>().ToArray());
    }

    /// <summary>The flags readelf reports for the library's need of <see cref="Version"/>.</summary>
    private static string VersionFlags(string library)
    {
        using var readelf = Process.Start(new ProcessStartInfo("readelf", ["-V", "-W", library]) { RedirectStandardOutput = true })!;
        var text = readelf.StandardOutput.ReadToEnd();
        readelf.WaitForExit();
        var line = text.Split('\n').Single(l => l.Contains("Name: " + Version, StringComparison.Ordinal));
        return line[(line.IndexOf("Flags:", StringComparison.Ordinal) + 6)..].Trim().Split(' ')[0];
    }
}
