using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Content;

namespace DynamicCot.Plugin.Tests.TestDoubles;

/// <summary>Media storage for tests: a fixed map from reference to bytes.</summary>
public sealed class DictionaryMedia(Dictionary<string, byte[]>? files = null) : IMediaBytesSource
{
    public Task<ImageInput?> ReadAsync(string imageReference, CancellationToken cancellationToken) =>
        Task.FromResult(files is not null && files.TryGetValue(imageReference, out var bytes) ? new ImageInput(bytes, imageReference) : null);
}
