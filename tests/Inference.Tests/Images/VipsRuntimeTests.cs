using DynamicCot.Inference.Images;
using DynamicCot.Inference.Images.Vips;
using NetVips;

namespace DynamicCot.Inference.Tests.Images;

public sealed class VipsRuntimeTests
{
    [Fact]
    public void Starts_the_pinned_libvips_from_its_package_with_the_settings_applied()
    {
        var started = VipsRuntime.EnsureStarted();
        Assert.Equal(VipsRuntime.PinnedVersion, started.Version);
        Assert.Equal(0, Cache.Max);
        Assert.Equal(started.Settings.ThreadsPerOperation, NetVips.NetVips.Concurrency);
    }

    [Fact]
    public async Task Concurrent_first_uses_see_one_start()
    {
        var seen = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(VipsRuntime.EnsureStarted)));
        Assert.All(seen, s => Assert.Same(seen[0], s));
    }

    [Fact]
    public void Settings_cannot_change_once_decodes_may_run()
    {
        VipsRuntime.EnsureStarted();
        var error = Assert.Throws<InvalidOperationException>(() => VipsRuntime.Configure(new VipsSettings { ThreadsPerOperation = 2 }));
        Assert.Contains("before the first decode", error.Message);
    }

    [Fact]
    public async Task Loaders_outside_the_allowed_four_are_blocked_even_when_called_directly()
    {
        using var decoder = new ImageDecoder();
        var photo = await decoder.DecodeFileAsync(RealImages.Landscape);
        using var image = VipsEncoder.FromDecoded(photo);
        // libvips writes TIFF and PPM fine (savers are not blocked) but must not read them back for an upload.
        var tiff = image.TiffsaveBuffer();
        byte[] ppm = [.. "P6\n2 2\n255\n"u8, .. new byte[12]];
        Assert.Throws<VipsException>(() => { using var _ = Image.NewFromBuffer(tiff); });
        Assert.Throws<VipsException>(() => { using var _ = Image.ThumbnailBuffer(ppm, 2); });
        // The same pixels as PNG load: the block is by loader, not a broken library.
        using var png = Image.NewFromBuffer(VipsEncoder.Png(image));
        Assert.Equal(photo.Width, png.Width);
        // And through the decoder a TIFF never reaches libvips at all.
        var refused = await Assert.ThrowsAsync<UnsupportedImageFormatException>(() => decoder.DecodeAsync(tiff, "scan.tiff"));
        Assert.Equal("a TIFF image", refused.Detected);
    }
}
