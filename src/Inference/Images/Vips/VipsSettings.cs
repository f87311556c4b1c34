namespace DynamicCot.Inference.Images.Vips;

/// <summary>
/// Process-wide libvips settings. libvips keeps them in globals, so they are applied once, before the first decode;
/// configure them (with <see cref="VipsRuntime.Configure"/>) before any <see cref="ImageDecoder"/> is created.
/// </summary>
public sealed record VipsSettings
{
    /// <summary>
    /// libvips worker threads per operation. 1 by default: on a server it is faster to decode several uploads side
    /// by side than to split one image over threads (concurrency 2 did not speed up a single decode on 2 cores).
    /// </summary>
    public int ThreadsPerOperation { get; init; } = 1;
}
