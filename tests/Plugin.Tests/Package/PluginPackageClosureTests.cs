using DynamicCot.Tests.Shared;

namespace DynamicCot.Plugin.Tests.Package;

/// <summary>
/// The same rule as <see cref="PluginDependencyClosureTests"/>, on what a site really installs: the packages
/// `dotnet pack src/Plugin` writes, and everything their .nuspec dependencies bring, followed package by package.
/// </summary>
public sealed class PluginPackageClosureTests
{
    [Fact]
    public async Task The_packed_plugin_and_everything_it_brings_have_no_offline_tool_chart_library_http_sdk_or_torch()
    {
        using var work = TestPaths.NewTempFolder("dynamiccot-pack-closure");
        var feed = Directory.CreateDirectory(Path.Combine(work.Path, "feed")).FullName;
        var packages = await PluginPackages.PackAsync(feed, PluginPackages.NewVersion());

        var closure = NuspecClosure.Of(packages);

        // The check reads a real graph: the site package, its libraries and the natives' packages are in it.
        Assert.Contains(PluginPackages.SitePackageId, closure);
        Assert.Contains("DynamicCot.Keyphrases", closure);
        Assert.Contains("DynamicCot.Inference", closure);
        Assert.Contains("DynamicCot.Llama", closure);
        Assert.Contains("LLamaSharp.Backend.Cpu", closure);
        Assert.Contains("NetVips.Native.linux-x64", closure);
        Assert.Contains("Umbraco.Cms.Core", closure);
        var found = closure.Where(PluginDependencyClosureTests.IsForbidden).Order(StringComparer.Ordinal).ToList();
        Assert.True(found.Count == 0, $"installing {PluginPackages.SitePackageId} brings {string.Join(", ", found)}");
    }
}
