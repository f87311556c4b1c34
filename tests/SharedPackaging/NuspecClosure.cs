using NuGet.Frameworks;
using NuGet.Packaging.Core;
using NuGet.Versioning;

namespace DynamicCot.Tests.Shared;

/// <summary>
/// Every package a site gets by installing the packed packages: their .nuspec dependencies, followed through the
/// .nuspec files of the restored packages in the global packages folder, each package's dependency group for net10.0
/// chosen as NuGet chooses it (the nearest compatible framework). Packages the shared frameworks already contain (the site's
/// Microsoft.NETCore.App and the Microsoft.AspNetCore.App the site package references) are never downloaded: NuGet
/// prunes them, so they end the walk.
/// </summary>
public static class NuspecClosure
{
    private static readonly NuGetFramework SiteFramework = NuGetFramework.Parse("net10.0");

    public static IReadOnlySet<string> Of(IReadOnlyDictionary<string, PackedPackage> feed)
    {
        var packagesFolder = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } env
            ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var framework = FrameworkProvidedPackages();
        var seen = new HashSet<string>(feed.Keys, StringComparer.OrdinalIgnoreCase);
        var pending = new Queue<PackageDependency>(feed.Values.SelectMany(p => p.DependenciesFor(SiteFramework)));
        while (pending.TryDequeue(out var dependency))
        {
            if (!seen.Add(dependency.Id) || framework.Contains(dependency.Id)) continue;
            foreach (var next in Restored(packagesFolder, dependency).DependenciesFor(SiteFramework))
                pending.Enqueue(next);
        }
        return seen;
    }

    /// <summary>The package ids the targeting packs of the installed SDK list as part of their framework
    /// (data/PackageOverrides.txt, lines "Id|Version").</summary>
    private static HashSet<string> FrameworkProvidedPackages()
    {
        // The runtime's own folder is dotnet/shared/Microsoft.NETCore.App/{version}/.
        var dotnetRoot = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pack in new[] { "Microsoft.NETCore.App.Ref", "Microsoft.AspNetCore.App.Ref" })
        {
            var folder = Path.Combine(dotnetRoot, "packs", pack);
            foreach (var list in Directory.Exists(folder) ? Directory.GetFiles(folder, "PackageOverrides.txt", SearchOption.AllDirectories) : [])
                ids.UnionWith(File.ReadLines(list).Select(line => line.Split('|')[0].Trim()).Where(id => id.Length > 0));
        }
        Assert.True(ids.Count > 0, $"no targeting pack lists its packages under {dotnetRoot}/packs");
        return ids;
    }

    /// <summary>The lowest restored version the dependency's range allows (what NuGet resolves without other constraints).</summary>
    private static PackedPackage Restored(string packagesFolder, PackageDependency dependency)
    {
        var folder = Path.Combine(packagesFolder, dependency.Id.ToLowerInvariant());
        var restored = new Dictionary<NuGetVersion, string>();
        foreach (var directory in Directory.Exists(folder) ? Directory.GetDirectories(folder) : [])
        {
            if (NuGetVersion.TryParse(Path.GetFileName(directory), out var v)) restored[v] = directory;
        }
        var version = dependency.VersionRange.FindBestMatch(restored.Keys);
        Assert.True(version is not null, $"{dependency.Id} {dependency.VersionRange} is not in {packagesFolder}: restore the solution first");
        return PackedPackage.ReadNuspec(Path.Combine(restored[version], $"{dependency.Id.ToLowerInvariant()}.nuspec"));
    }
}
