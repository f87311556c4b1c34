using DynamicCot.Tests.Shared;

namespace DynamicCot.Inference.Tests.Images;

/// <summary>The real photos of the fixture data sets (kept outside the repository).</summary>
internal static class RealImages
{
    public static IReadOnlyList<string> All { get; } =
        new[] { "vmu16_small_events", "flickr10" }
            .SelectMany(set => Directory.GetFiles(TestPaths.Data(set, "images"), "*.jpg"))
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>A landscape photo no larger than the default limits, so it decodes at its own size.</summary>
    public static string Landscape => All.First(path => Path.GetFileName(path) == "passport_02.jpg");

    public static byte[] Read(string path) => File.ReadAllBytes(path);
}
