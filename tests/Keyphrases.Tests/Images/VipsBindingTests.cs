using DynamicCot.Keyphrases.Images.Native;

namespace DynamicCot.Keyphrases.Tests.Images;

public sealed class VipsBindingTests
{
    [Fact]
    public void Starts_the_pinned_library()
    {
        var loaded = VipsLibrary.EnsureInitialized();
        Assert.Equal("8.18.7", loaded.Version);
        Assert.EndsWith(VipsLibraryOptions.PinnedFileName, loaded.Path);
    }

    [Fact]
    public void Unknown_property_is_an_argument_error_not_a_silent_glib_warning()
    {
        using var operation = VipsOperation.Create("thumbnail_buffer");
        Assert.Throws<ArgumentException>(() => operation.Set("no_such_argument", 1));
        Assert.Throws<ArgumentException>(() => operation.Set("width", "not a number"));
    }

    [Fact]
    public void Unknown_enum_nick_reports_the_libvips_error()
    {
        using var operation = VipsOperation.Create("thumbnail_buffer");
        var error = Assert.Throws<VipsNativeException>(() => operation.SetEnum("size", "sideways"));
        Assert.Contains("sideways", error.Message);
    }

    [Fact]
    public void Loaders_outside_the_allowed_four_are_blocked()
    {
        // A valid 2×2 binary PPM: libvips can read it, but its loader must be blocked for uploads.
        byte[] ppm = [.. "P6\n2 2\n255\n"u8, .. new byte[12]];
        using var operation = VipsOperation.Create("thumbnail_buffer").SetBlob("buffer", ppm).Set("width", 2);
        Assert.Throws<VipsNativeException>(() => operation.Build());
    }
}
