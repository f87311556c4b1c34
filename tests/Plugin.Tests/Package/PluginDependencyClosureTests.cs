using System.Text.Json;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Plugin.Tests.Package;

/// <summary>
/// The plugin a site owner installs carries only what serving needs: none of the offline tools (teacher, evaluation,
/// charts), their HTTP client SDK, the chart library with its Skia natives, or the trainer's TorchSharp. Checked on
/// the plugin's full dependency closure as NuGet resolved it (project.assets.json: every package and project,
/// transitive ones included) and as the build wrote it for the runtime (deps.json).
/// </summary>
public sealed class PluginDependencyClosureTests
{
    private static readonly string[] Forbidden =
        ["DynamicCot.Tools", "DynamicCot.Finetune", "ScottPlot", "OpenAI", "Microsoft.Extensions.AI.OpenAI"];

    // Families by prefix: every TorchSharp variant (cpu, cuda), the Skia and HarfBuzz natives ScottPlot brings.
    private static readonly string[] ForbiddenPrefixes = ["TorchSharp", "libtorch", "SkiaSharp", "HarfBuzzSharp"];

    [Fact]
    public void The_plugin_closure_has_no_offline_tool_chart_library_http_sdk_or_torch()
    {
        var closure = AssetsClosure(Path.Combine(TestPaths.RepositoryRoot, "src", "Plugin"));

        Assert.Contains("DynamicCot.Keyphrases", closure); // the check reads a real closure
        AssertNoneForbidden(closure, "src/Plugin/obj/project.assets.json");

        var deps = Directory.GetFiles(Path.Combine(TestPaths.RepositoryRoot, "src", "Plugin", "bin"), "DynamicCot.Plugin.deps.json", SearchOption.AllDirectories);
        Assert.NotEmpty(deps);
        foreach (var file in deps)
            AssertNoneForbidden(DepsClosure(file), file);
    }

    [Fact]
    public void The_check_sees_the_offline_tools_where_they_belong()
    {
        // The CLI references the tools: the same reading of its closure must find them, or the test above proves nothing.
        var closure = AssetsClosure(Path.Combine(TestPaths.RepositoryRoot, "src", "Finetune"));

        Assert.Contains("DynamicCot.Tools", closure);
        Assert.Contains("ScottPlot", closure);
        Assert.Contains("OpenAI", closure);
        Assert.Contains("Microsoft.Extensions.AI.OpenAI", closure);
        Assert.Contains(closure, name => name.StartsWith("SkiaSharp", StringComparison.Ordinal));
    }

    private static void AssertNoneForbidden(IEnumerable<string> closure, string source)
    {
        var found = closure.Where(IsForbidden).Order(StringComparer.Ordinal).ToList();
        Assert.True(found.Count == 0, $"{source}: the plugin depends on {string.Join(", ", found)}");
    }

    internal static bool IsForbidden(string name) =>
        Forbidden.Contains(name, StringComparer.OrdinalIgnoreCase)
        || ForbiddenPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every library (package or project) in every target of the project's restore output.</summary>
    private static HashSet<string> AssetsClosure(string projectFolder)
    {
        var path = Path.Combine(projectFolder, "obj", "project.assets.json");
        Assert.True(File.Exists(path), $"{path} is missing: restore the solution first");
        using var assets = JsonDocument.Parse(File.ReadAllText(path));
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var target in assets.RootElement.GetProperty("targets").EnumerateObject())
        {
            foreach (var library in target.Value.EnumerateObject())
                names.Add(library.Name.Split('/')[0]);
        }
        foreach (var library in assets.RootElement.GetProperty("libraries").EnumerateObject())
            names.Add(library.Name.Split('/')[0]);
        return names;
    }

    /// <summary>Every library the runtime would load for the built project.</summary>
    private static HashSet<string> DepsClosure(string depsFile)
    {
        using var deps = JsonDocument.Parse(File.ReadAllText(depsFile));
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var library in deps.RootElement.GetProperty("libraries").EnumerateObject())
            names.Add(library.Name.Split('/')[0]);
        return names;
    }
}
