using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.LlamaCpp.Engine;

/// <summary>An RGB image handed to mtmd. Decode uploads yourself (libvips); never pass raw files to mtmd's stb decoder.</summary>
public sealed unsafe class MtmdBitmap : IDisposable
{
    private MtmdBitmap(SafeMtmdBitmapHandle handle, int width, int height)
    {
        Handle = handle;
        Width = width;
        Height = height;
    }

    public SafeMtmdBitmapHandle Handle { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Copies <paramref name="rgb"/> (width × height × 3 bytes, row-major). The id keys the image in caches; use a content hash.</summary>
    public static MtmdBitmap FromRgb(int width, int height, ReadOnlySpan<byte> rgb, string? id = null)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"Image size {width}×{height} is not valid.");
        if (rgb.Length != checked(width * height * 3))
            throw new ArgumentException($"An RGB image of {width}×{height} needs {width * height * 3} bytes, got {rgb.Length}.");
        LlamaBackend.Initialize();
        SafeMtmdBitmapHandle handle;
        fixed (byte* data = rgb)
            handle = NativeApi.mtmd_bitmap_init((uint)width, (uint)height, data);
        NativeErrors.CheckHandle(handle, "mtmd_bitmap_init");
        if (id is not null)
            NativeApi.mtmd_bitmap_set_id(handle, id);
        return new MtmdBitmap(handle, width, height);
    }

    public string? Id => NativeApi.PtrToString(NativeApi.mtmd_bitmap_get_id(Handle));

    public void Dispose() => Handle.Dispose();
}
