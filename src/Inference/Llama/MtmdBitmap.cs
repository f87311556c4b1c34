using DynamicCot.Llama.Native;
using LLama.Native;

namespace DynamicCot.Inference.Llama;

/// <summary>An RGB image handed to mtmd (LLamaSharp's <see cref="SafeMtmdEmbed"/>). Decode uploads yourself; never pass raw files to mtmd's stb decoder.</summary>
public sealed class MtmdBitmap : IDisposable
{
    private MtmdBitmap(SafeMtmdEmbed handle, int width, int height)
    {
        Handle = handle;
        Width = width;
        Height = height;
    }

    public SafeMtmdEmbed Handle { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Copies <paramref name="rgb"/> (width × height × 3 bytes, row-major).</summary>
    public static MtmdBitmap FromRgb(int width, int height, ReadOnlySpan<byte> rgb)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"Image size {width}×{height} is not valid.");
        if (rgb.Length != checked(width * height * 3))
            throw new ArgumentException($"An RGB image of {width}×{height} needs {width * height * 3} bytes, got {rgb.Length}.");
        LlamaBackend.Initialize();
        var handle = SafeMtmdEmbed.FromRgbBytes((uint)width, (uint)height, rgb)
            ?? throw new LlamaNativeException("mtmd_bitmap_init", $"mtmd could not take a {width}×{height} bitmap.");
        return new MtmdBitmap(handle, width, height);
    }

    public void Dispose() => Handle.Dispose();
}
