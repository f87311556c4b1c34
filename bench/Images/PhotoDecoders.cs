using DynamicCot.Inference.Images;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace DynamicCot.Bench.Images;

internal sealed record Photo(string Name, byte[] Bytes);

/// <summary>An output size of the bench: ImageDecoder's limits.</summary>
internal sealed record OutputSize(string Label, ImageDecoderOptions Options)
{
    public static readonly OutputSize[] All =
    [
        new("default (max side 1344, 1,003,520 px)", new ImageDecoderOptions { MaxConcurrentDecodes = 1 }),
        new("max side 448", new ImageDecoderOptions { MaxSide = 448, MaxConcurrentDecodes = 1 }),
    ];
}

internal static class TargetSizes
{
    public static Dictionary<string, (int Width, int Height)> Of(IEnumerable<Photo> photos, OutputSize size)
    {
        using var decoder = new ImageDecoder(size.Options);
        return photos.ToDictionary(p => p.Name, p =>
        {
            var image = decoder.Decode(p.Bytes, p.Name);
            return (image.Width, image.Height);
        });
    }
}

/// <summary>Decodes one photo to upright 8-bit RGB at the bench's output size; returns its size and byte count.</summary>
internal interface IPhotoDecoder : IDisposable
{
    (int Width, int Height, long RgbBytes) Decode(Photo photo);
}

internal sealed class NetVipsPhotoDecoder(OutputSize size) : IPhotoDecoder
{
    private readonly ImageDecoder _decoder = new(size.Options);

    public (int Width, int Height, long RgbBytes) Decode(Photo photo)
    {
        var image = _decoder.Decode(photo.Bytes, photo.Name);
        return (image.Width, image.Height, image.Rgb.Length);
    }

    public void Dispose() => _decoder.Dispose();
}

/// <summary>
/// The same steps with ImageSharp: header first (Identify), full decode, EXIF orientation applied, Lanczos-3 resize
/// to the size ImageDecoder chose, pixels copied into one array. One thread, like libvips at concurrency 1.
/// </summary>
internal sealed class ImageSharpPhotoDecoder(Dictionary<string, (int Width, int Height)> targets) : IPhotoDecoder
{
    private readonly Configuration _configuration = CreateConfiguration();

    public (int Width, int Height, long RgbBytes) Decode(Photo photo)
    {
        var header = Image.Identify(_configuration, photo.Bytes, out _)
            ?? throw new InvalidOperationException($"ImageSharp does not recognise {photo.Name}.");
        _ = (long)header.Width * header.Height; // the pixel-bomb check ImageDecoder makes
        using var image = Image.Load<Rgb24>(_configuration, photo.Bytes);
        var (width, height) = targets[photo.Name];
        image.Mutate(x =>
        {
            x.AutoOrient();
            if (x.GetCurrentSize() != new Size(width, height))
                x.Resize(width, height, KnownResamplers.Lanczos3);
        });
        var rgb = new byte[width * height * 3];
        image.CopyPixelDataTo(rgb);
        return (image.Width, image.Height, rgb.Length);
    }

    public void Dispose() { }

    private static Configuration CreateConfiguration()
    {
        var configuration = Configuration.Default.Clone();
        configuration.MaxDegreeOfParallelism = 1;
        return configuration;
    }
}
