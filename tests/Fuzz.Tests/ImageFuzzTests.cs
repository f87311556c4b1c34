using DynamicCot.Inference.Images;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;

namespace DynamicCot.Fuzz.Tests;

/// <summary>
/// The image pipeline (sniffer, header check, libvips decode with shrink-on-load) on mutated JPEG, PNG, WebP and GIF
/// files and on bombs (declared dimensions, frame counts, EXIF). Pass: decoded pixels within the output bounds, or an
/// <see cref="ImageDecodeException"/> naming the input. A native crash ends the test process, which fails the run.
/// </summary>
public sealed class ImageFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly ImageDecoder _decoder = new(new ImageDecoderOptions { MaxConcurrentDecodes = 1 });

    private static IReadOnlyList<byte[]> Seeds()
    {
        using var photo = NetVips.Image.NewFromFile(TestPaths.Data("flickr10", "images", "34694102243_3370955cf9_z.jpg"));
        using var small = photo.Resize(96.0 / photo.Width);
        var jpeg = small.JpegsaveBuffer(q: 80);
        return
        [
            jpeg,
            HandMadeImages.WithExifOrientation(jpeg, 6),
            small.PngsaveBuffer(),
            small.WebpsaveBuffer(q: 70),
            HandMadeImages.AnimatedGif(16, (255, 0, 0), (0, 255, 0), (0, 0, 255)),
            HandMadeImages.PngHeaderOnly(40_000, 40_000),
            HandMadeImages.AnimatedGif(2, [.. Enumerable.Repeat(((byte)1, (byte)2, (byte)3), 2000)]),
        ];
    }

    private FuzzOutcome Execute(byte[] input)
    {
        try
        {
            var image = _decoder.Decode(input, "fuzz");
            if (image.Width * (long)image.Height > _decoder.Options.MaxOutputPixels || Math.Max(image.Width, image.Height) > _decoder.Options.MaxSide)
                throw new InvalidOperationException($"decoded {image.Width}x{image.Height}, beyond the output bounds");
            return FuzzOutcome.Result;
        }
        catch (ImageDecodeException)
        {
            return FuzzOutcome.TypedError;
        }
    }

    [Fact]
    public void Mutated_images_decode_within_bounds_or_raise_an_image_error() => new FuzzRun("image", output).Run(Seeds(), Execute);

    public void Dispose() => _decoder.Dispose();
}
