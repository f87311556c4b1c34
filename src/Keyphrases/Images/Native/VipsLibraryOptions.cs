namespace DynamicCot.Keyphrases.Images.Native;

/// <summary>
/// Where libvips comes from and how it is set up. Read once, when libvips is first started; configure it (or set
/// the environment variable) before the first decode.
/// </summary>
public sealed class VipsLibraryOptions
{
    /// <summary>Environment variable: explicit path of the libvips file. Wins over the runtimes folder.</summary>
    public const string LibraryPathVariable = "DYNAMICCOT_VIPS_LIBRARY";

    /// <summary>File name the build gives the pinned libvips (build/NativeAssets.targets).</summary>
    public const string PinnedFileName = "libvips-8.18.7.so";

    /// <summary>Explicit path of the library. Null: the environment variable, else the app's runtimes folder.</summary>
    public string? LibraryPath { get; set; }

    /// <summary>Folder holding <see cref="PinnedFileName"/>; defaults to <c>{AppContext.BaseDirectory}/runtimes/linux-x64/native</c>.</summary>
    public string? RuntimesFolder { get; set; }

    /// <summary>
    /// libvips worker threads per operation (<c>vips_concurrency_set</c>). 1 by default: on a server it is faster
    /// to decode several uploads side by side than to split one image over threads (measured in
    /// images-and-anchors.md: concurrency 2 did not speed up a single decode on 2 cores).
    /// </summary>
    public int ThreadsPerOperation { get; set; } = 1;
}
