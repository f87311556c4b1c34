namespace DynamicCot.Plugin.DemoHost;

/// <summary>Finds the fixture data (<c>../shared/data</c> beside the repository) unless configuration names a folder.</summary>
public static class DemoPaths
{
    public static string FindDataFolder(string? configured, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured, contentRoot);
        foreach (var start in new[] { contentRoot, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "DynamicCot.sln")))
                    return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
            }
        }
        throw new DirectoryNotFoundException("Fixture data not found: set Demo:DataFolder to the folder holding vmu16_small_events and flickr10.");
    }
}
