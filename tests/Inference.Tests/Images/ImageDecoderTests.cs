using System.Security.Cryptography;
using DynamicCot.Inference.Images;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Inference.Tests.Images;

public sealed class ImageDecoderTests : IDisposable
{
    private readonly ImageDecoder _decoder = new();

    public void Dispose() => _decoder.Dispose();

    [Fact]
    public async Task Every_real_photo_decodes_to_rgb_within_the_default_limits()
    {
        Assert.NotEmpty(RealImages.All);
        foreach (var path in RealImages.All)
        {
            var image = await _decoder.DecodeFileAsync(path);
            Assert.Equal(Path.GetFileName(path), image.Input);
            Assert.Equal(ImageFormat.Jpeg, image.SourceFormat);
            Assert.Equal(image.Width * image.Height * 3, image.Rgb.Length);
            Assert.True(Math.Max(image.Width, image.Height) <= _decoder.Options.MaxSide);
            Assert.True((long)image.Width * image.Height <= _decoder.Options.MaxOutputPixels);
            if ((long)image.SourceWidth * image.SourceHeight <= _decoder.Options.MaxOutputPixels)
                Assert.Equal((image.SourceWidth, image.SourceHeight), (image.Width, image.Height)); // never resized when it fits
        }
    }

    [Fact]
    public async Task Photos_over_the_pixel_budget_shrink_to_fit_it()
    {
        var path = RealImages.All.First(p => Path.GetFileName(p) == "underwater_fake_01.jpg"); // 1600×1114
        var image = await _decoder.DecodeFileAsync(path);
        Assert.Equal((1600, 1114), (image.SourceWidth, image.SourceHeight));
        Assert.Equal(1200, image.Width);
        Assert.InRange(image.Height, 835, 836);
        Assert.True((long)image.Width * image.Height <= _decoder.Options.MaxOutputPixels);
    }

    [Fact]
    public async Task Large_photos_shrink_on_load_keeping_their_aspect_ratio()
    {
        using var small = new ImageDecoder(new ImageDecoderOptions { MaxSide = 256 });
        foreach (var path in RealImages.All.Take(8))
        {
            var image = await small.DecodeFileAsync(path);
            Assert.Equal(256, Math.Max(image.Width, image.Height));
            var sourceAspect = (double)image.SourceWidth / image.SourceHeight;
            Assert.InRange((double)image.Width / image.Height, sourceAspect * 0.98, sourceAspect * 1.02);
        }
    }

    [Fact]
    public async Task Small_images_are_never_enlarged()
    {
        using var generous = new ImageDecoder(new ImageDecoderOptions { MaxSide = 5000, MaxOutputPixels = 50_000_000 });
        var image = await generous.DecodeFileAsync(RealImages.Landscape);
        Assert.Equal((image.SourceWidth, image.SourceHeight), (image.Width, image.Height));
    }

    [Fact]
    public async Task Png_and_lossless_webp_of_a_photo_decode_to_the_same_pixels()
    {
        var original = await _decoder.DecodeFileAsync(RealImages.Landscape);
        using var source = VipsEncoder.FromDecoded(original);
        var png = VipsEncoder.Png(source);
        var webp = VipsEncoder.LosslessWebp(source);

        var fromPng = await _decoder.DecodeAsync(png, "photo.png");
        var fromWebp = await _decoder.DecodeAsync(webp, "photo.webp");

        Assert.Equal(ImageFormat.Png, fromPng.SourceFormat);
        Assert.Equal(ImageFormat.WebP, fromWebp.SourceFormat);
        Assert.True(original.Rgb.Span.SequenceEqual(fromPng.Rgb.Span));
        Assert.True(original.Rgb.Span.SequenceEqual(fromWebp.Rgb.Span));
    }

    [Fact]
    public async Task Exif_orientation_6_jpeg_decodes_upright()
    {
        var bytes = RealImages.Read(RealImages.Landscape);
        var stored = await _decoder.DecodeAsync(bytes, "stored.jpg");
        var rotated = await _decoder.DecodeAsync(HandMadeImages.WithExifOrientation(bytes, 6), "rotated.jpg");
        AssertRotatedClockwise(stored, rotated);
    }

    [Fact]
    public async Task Exif_orientation_6_webp_decodes_upright()
    {
        var stored = await _decoder.DecodeFileAsync(RealImages.Landscape);
        using var source = VipsEncoder.FromDecoded(stored);
        using var oriented = VipsEncoder.WithOrientation(source, 6);
        var webp = VipsEncoder.LosslessWebp(oriented);

        var rotated = await _decoder.DecodeAsync(webp, "rotated.webp");
        AssertRotatedClockwise(stored, rotated);
    }

    [Fact]
    public async Task Animated_gif_gives_its_first_frame()
    {
        var gif = HandMadeImages.AnimatedGif(16, (255, 0, 0), (0, 255, 0), (0, 0, 255));
        var image = await _decoder.DecodeAsync(gif, "anim.gif");
        Assert.Equal(ImageFormat.Gif, image.SourceFormat);
        Assert.Equal((16, 16), (image.Width, image.Height));
        for (var y = 0; y < 16; y += 5)
            for (var x = 0; x < 16; x += 5)
                Assert.Equal([255, 0, 0], image.Pixel(x, y).ToArray());
    }

    [Fact]
    public async Task Animated_webp_gives_its_first_frame()
    {
        var photo = await _decoder.DecodeFileAsync(RealImages.Landscape);
        using var first = VipsEncoder.FromDecoded(photo);
        using var second = VipsEncoder.Solid(photo.Width, photo.Height, 0, 255, 0);
        using var animation = VipsEncoder.Animation(first, second);
        var webp = VipsEncoder.LosslessWebp(animation);

        var image = await _decoder.DecodeAsync(webp, "anim.webp");
        Assert.Equal((photo.Width, photo.Height), (image.Width, image.Height));
        Assert.True(photo.Rgb.Span.SequenceEqual(image.Rgb.Span));
    }

    [Theory]
    [InlineData(AlphaBackground.White, 255)]
    [InlineData(AlphaBackground.Black, 0)]
    public async Task Transparent_pixels_are_flattened_onto_the_chosen_background(AlphaBackground background, byte expected)
    {
        var photo = await _decoder.DecodeFileAsync(RealImages.Landscape);
        var rgba = new byte[photo.Width * photo.Height * 4];
        for (int i = 0, j = 0; i < photo.Rgb.Length; i += 3, j += 4)
        {
            photo.Rgb.Span.Slice(i, 3).CopyTo(rgba.AsSpan(j));
            var x = (i / 3) % photo.Width;
            rgba[j + 3] = x < photo.Width / 2 ? (byte)0 : (byte)255; // left half fully transparent
        }
        using var source = VipsEncoder.FromPixels(rgba, photo.Width, photo.Height, 4);
        var png = VipsEncoder.Png(source);

        using var decoder = new ImageDecoder(new ImageDecoderOptions { Background = background });
        var image = await decoder.DecodeAsync(png, "alpha.png");
        Assert.Equal([expected, expected, expected], image.Pixel(0, 0).ToArray());
        Assert.Equal(photo.Pixel(photo.Width - 1, photo.Height - 1).ToArray(), image.Pixel(photo.Width - 1, photo.Height - 1).ToArray());
    }

    [Fact]
    public async Task Greyscale_and_16_bit_pngs_become_8_bit_rgb()
    {
        var photo = await _decoder.DecodeFileAsync(RealImages.Landscape);
        using var source = VipsEncoder.FromDecoded(photo);
        using var grey = source.Colourspace(NetVips.Enums.Interpretation.Bw);
        using var deep = source.Colourspace(NetVips.Enums.Interpretation.Rgb16);

        var fromGrey = await _decoder.DecodeAsync(VipsEncoder.Png(grey), "grey.png");
        var fromDeep = await _decoder.DecodeAsync(VipsEncoder.Png(deep), "deep.png");

        var p = fromGrey.Pixel(10, 10);
        Assert.True(p[0] == p[1] && p[1] == p[2]);
        Assert.Equal(photo.Rgb.Length, fromDeep.Rgb.Length);
        var worst = 0;
        for (var i = 0; i < photo.Rgb.Length; i++)
            worst = Math.Max(worst, Math.Abs(photo.Rgb.Span[i] - fromDeep.Rgb.Span[i]));
        Assert.True(worst <= 1, $"16-bit round trip differs by {worst}");
    }

    [Fact]
    public async Task Truncated_jpeg_is_refused_as_corrupt_naming_the_input()
    {
        var bytes = RealImages.Read(RealImages.Landscape);
        var error = await Assert.ThrowsAsync<CorruptImageException>(() => _decoder.DecodeAsync(bytes.AsMemory(0, bytes.Length * 6 / 10), "cut.jpg"));
        Assert.Equal("cut.jpg", error.Input);
        Assert.Contains("cut.jpg", error.Message);
    }

    [Fact]
    public async Task Truncated_png_and_garbage_after_a_valid_signature_are_refused_as_corrupt()
    {
        var photo = await _decoder.DecodeFileAsync(RealImages.Landscape);
        using var source = VipsEncoder.FromDecoded(photo);
        var png = VipsEncoder.Png(source);
        await Assert.ThrowsAsync<CorruptImageException>(() => _decoder.DecodeAsync(png.AsMemory(0, png.Length / 2), "cut.png"));
        byte[] junkJpeg = [0xFF, 0xD8, 0xFF, 0x00, 0x01, 0x02, 0x03, 0x04];
        await Assert.ThrowsAsync<CorruptImageException>(() => _decoder.DecodeAsync(junkJpeg, "junk.jpg"));
    }

    [Fact]
    public async Task Corrupt_png_data_is_refused_on_error_and_decoded_when_only_truncation_is_refused()
    {
        var photo = await _decoder.DecodeFileAsync(RealImages.Landscape);
        using var source = VipsEncoder.FromDecoded(photo);
        var damaged = HandMadeImages.WithBadDataChecksum(VipsEncoder.Png(source));
        var error = await Assert.ThrowsAsync<CorruptImageException>(() => _decoder.DecodeAsync(damaged, "damaged.png"));
        Assert.Contains("damaged.png", error.Message);

        using var lenient = new ImageDecoder(new ImageDecoderOptions { DamageTolerance = DamageTolerance.FailOnTruncated });
        var image = await lenient.DecodeAsync(damaged, "damaged.png");
        Assert.True(photo.Rgb.Span.SequenceEqual(image.Rgb.Span));
    }

    [Fact]
    public async Task Empty_file_is_refused_as_corrupt()
    {
        using var folder = TestPaths.NewTempFolder();
        var path = folder.File("empty.jpg");
        await File.WriteAllBytesAsync(path, []);
        var error = await Assert.ThrowsAsync<CorruptImageException>(() => _decoder.DecodeFileAsync(path));
        Assert.Equal("empty.jpg", error.Input);
    }

    [Fact]
    public async Task Text_renamed_to_jpg_is_unsupported_and_never_reaches_libvips()
    {
        using var folder = TestPaths.NewTempFolder();
        var path = folder.File("notes.jpg");
        await File.WriteAllTextAsync(path, "This is not a photo, just a caption.\n");
        var error = await Assert.ThrowsAsync<UnsupportedImageFormatException>(() => _decoder.DecodeFileAsync(path));
        Assert.Equal("notes.jpg", error.Input);
        Assert.Equal("text", error.Detected);
    }

    [Theory]
    [InlineData("bmp", "a BMP image")]
    [InlineData("svg", "an SVG image")]
    [InlineData("pdf", "a PDF document")]
    [InlineData("heic", "a HEIC/HEIF image")]
    public async Task Other_formats_are_unsupported_and_named(string kind, string detected)
    {
        var bytes = kind switch
        {
            "bmp" => HandMadeImages.Bmp(),
            "svg" => "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>"u8.ToArray(),
            "pdf" => [.. "%PDF-1.7\n%"u8, 0xE2, 0xE3, 0xCF, 0xD3, (byte)'\n'],
            _ => [0, 0, 0, 0x18, .. "ftypheic"u8, 0, 0, 0, 0],
        };
        var error = await Assert.ThrowsAsync<UnsupportedImageFormatException>(() => _decoder.DecodeAsync(bytes, $"upload.{kind}"));
        Assert.Equal(detected, error.Detected);
        Assert.Contains($"upload.{kind}", error.Message);
    }

    [Fact]
    public async Task Decompression_bomb_png_is_refused_from_its_header()
    {
        var bomb = HandMadeImages.PngHeaderOnly(100_000, 100_000);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ImageTooLargeException>(() => _decoder.DecodeAsync(bomb, "bomb.png"));
        Assert.Equal(ImageLimit.DeclaredPixels, error.Limit);
        Assert.Equal(10_000_000_000, error.Actual);
        Assert.True(started.ElapsedMilliseconds < 2000, $"took {started.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Inputs_over_the_byte_limit_are_refused_before_reading()
    {
        using var strict = new ImageDecoder(new ImageDecoderOptions { MaxInputBytes = 1000 });
        var error = await Assert.ThrowsAsync<ImageTooLargeException>(() => strict.DecodeFileAsync(RealImages.Landscape));
        Assert.Equal(ImageLimit.InputBytes, error.Limit);
        Assert.Equal(Path.GetFileName(RealImages.Landscape), error.Input);
    }

    [Fact]
    public async Task Cancelled_token_stops_before_decoding()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var bytes = RealImages.Read(RealImages.Landscape);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _decoder.DecodeAsync(bytes, "photo.jpg", cancelled.Token));
    }

    [Fact]
    public async Task Parallel_decodes_give_the_same_pixels_as_sequential_ones()
    {
        var inputs = RealImages.All.Take(12).Select(path => (Name: Path.GetFileName(path), Bytes: RealImages.Read(path))).ToArray();
        var sequential = new Dictionary<string, string>();
        foreach (var (name, bytes) in inputs)
            sequential[name] = Hash(_decoder.Decode(bytes, name));

        var parallel = await Task.WhenAll(Enumerable.Range(0, 4).SelectMany(_ => inputs)
            .Select(input => Task.Run(async () => (input.Name, Hash: Hash(await _decoder.DecodeAsync(input.Bytes, input.Name))))));

        Assert.Equal(48, parallel.Length);
        foreach (var (name, hash) in parallel)
            Assert.Equal(sequential[name], hash);
    }

    private static string Hash(DecodedImage image)
        => $"{image.Width}x{image.Height}:{Convert.ToHexString(SHA256.HashData(image.Rgb.Span))}";

    /// <summary>Orientation 6: the stored image is shown turned 90° clockwise, so stored (x, y) lands at (H-1-y, x).</summary>
    private static void AssertRotatedClockwise(DecodedImage stored, DecodedImage rotated)
    {
        Assert.Equal((stored.Height, stored.Width), (rotated.Width, rotated.Height));
        var worst = 0;
        for (var y = 0; y < stored.Height; y += 7)
            for (var x = 0; x < stored.Width; x += 7)
            {
                var expected = stored.Pixel(x, y);
                var actual = rotated.Pixel(stored.Height - 1 - y, x);
                for (var c = 0; c < 3; c++)
                    worst = Math.Max(worst, Math.Abs(expected[c] - actual[c]));
            }
        Assert.True(worst <= 2, $"rotated pixels differ by up to {worst}");
    }
}

/// <summary>libvips has one log handler per process, so the test that swaps its logger runs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class VipsLogCollection
{
    public const string Name = "libvips log";
}

[Collection(VipsLogCollection.Name)]
public sealed class VipsLogTests
{
    [Fact]
    public async Task Libvips_messages_go_to_the_logger_and_its_chatter_stays_below_information()
    {
        var logged = new CapturingLoggerFactory();
        using var decoder = new ImageDecoder(loggerFactory: logged);
        try
        {
            await decoder.DecodeFileAsync(RealImages.Landscape);
        }
        finally
        {
            DynamicCot.Inference.Images.Vips.VipsLog.Attach(null);
        }
        var vips = logged.Entries.Where(e => e.Category == DynamicCot.Inference.Images.Vips.VipsLog.Category).ToArray();
        Assert.Contains(vips, e => e.Message.Contains("VipsForeignLoadJpeg") && e.Level == Microsoft.Extensions.Logging.LogLevel.Debug);
        Assert.DoesNotContain(vips, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Information);
    }
}

/// <summary>Collects every log entry of every category.</summary>
internal sealed class CapturingLoggerFactory : Microsoft.Extensions.Logging.ILoggerFactory
{
    public System.Collections.Concurrent.ConcurrentQueue<(string Category, Microsoft.Extensions.Logging.LogLevel Level, string Message)> Entries { get; } = new();

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider) { }

    public void Dispose() { }

    private sealed class Logger(CapturingLoggerFactory owner, string category) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state,
            Exception? exception, Func<TState, Exception?, string> formatter)
            => owner.Entries.Enqueue((category, logLevel, formatter(state, exception)));
    }
}
