namespace DynamicCot.Tests.Shared;

/// <summary>Where the repository, its fixture data (<c>../shared/data</c>) and scratch folders are.</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The repository root (the folder holding DynamicCot.sln).</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>Third-party fixture data, kept outside the repository.</summary>
    public static string SharedData => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data"));

    public static string Data(params string[] parts) => Path.Combine([SharedData, .. parts]);

    /// <summary>A fresh, empty folder under the system temp folder, deleted when disposed.</summary>
    public static TempFolder NewTempFolder(string prefix = "dynamiccot-test") => new(prefix);

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "DynamicCot.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("DynamicCot.sln not found above " + AppContext.BaseDirectory);
    }
}

internal sealed class TempFolder : IDisposable
{
    public TempFolder(string prefix)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
