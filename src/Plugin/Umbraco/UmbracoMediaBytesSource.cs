using System.Text.Json;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Content;
using Umbraco.Cms.Core.IO;
using Umbraco.Cms.Core.Services;

namespace DynamicCot.Plugin.Umbraco;

/// <summary>
/// Reads an image property's bytes from Umbraco's media file system. Understands a media picker's value
/// (<c>[{"mediaKey": …}]</c>), a bare media key, an image cropper's <c>{"src": …}</c> and a plain media path.
/// </summary>
public sealed class UmbracoMediaBytesSource(IMediaService mediaService, MediaFileManager mediaFiles) : IMediaBytesSource
{
    public async Task<ImageInput?> ReadAsync(string imageReference, CancellationToken cancellationToken)
    {
        var path = ResolvePath(imageReference.Trim());
        if (path is null) return null;
        var relative = mediaFiles.FileSystem.GetRelativePath(path);
        if (!mediaFiles.FileSystem.FileExists(relative)) return null;
        await using var stream = mediaFiles.FileSystem.OpenFile(relative);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        return new ImageInput(buffer.ToArray(), Path.GetFileName(relative));
    }

    private string? ResolvePath(string reference)
    {
        if (Guid.TryParse(reference, out var key)) return MediaPath(key);
        if (reference.StartsWith('[') || reference.StartsWith('{'))
        {
            try
            {
                using var json = JsonDocument.Parse(reference);
                var element = json.RootElement.ValueKind == JsonValueKind.Array
                    ? json.RootElement.EnumerateArray().FirstOrDefault()
                    : json.RootElement;
                if (element.ValueKind != JsonValueKind.Object) return null;
                if (element.TryGetProperty("mediaKey", out var mediaKey) && Guid.TryParse(mediaKey.GetString(), out var k)) return MediaPath(k);
                if (element.TryGetProperty("src", out var src)) return src.GetString();
                return null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
        return reference;
    }

    private string? MediaPath(Guid key)
    {
        var media = mediaService.GetById(key);
        var file = media?.GetValue("umbracoFile")?.ToString();
        if (string.IsNullOrWhiteSpace(file)) return null;
        return file.TrimStart().StartsWith('{') ? ResolvePath(file) : file;
    }
}
