using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Content;

namespace DynamicCot.Plugin.DemoHost;

/// <summary>The demo's media storage: image references are paths relative to the data folder, which they may not leave.</summary>
public sealed class FolderMediaBytesSource(string root) : IMediaBytesSource
{
    public string Root { get; } = Path.GetFullPath(root);

    public string? Resolve(string reference)
    {
        var full = Path.GetFullPath(Path.Combine(Root, reference));
        return full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal) && File.Exists(full) ? full : null;
    }

    public async Task<ImageInput?> ReadAsync(string imageReference, CancellationToken cancellationToken) =>
        Resolve(imageReference) is { } path ? new ImageInput(await File.ReadAllBytesAsync(path, cancellationToken), imageReference) : null;
}
