using DynamicCot.Inference.Images.Vips;
using Microsoft.Extensions.Logging;
using NetVips;

namespace DynamicCot.Inference.Images;

/// <summary>
/// Turns untrusted uploads (JPEG, PNG, WebP, GIF) into upright 8-bit sRGB RGB pixels of a bounded size, ready for
/// <c>mtmd_bitmap_init</c>. Animated images give their first frame. Safe to use from many threads at once.
/// </summary>
/// <remarks>
/// Checks run cheapest first and each one before anything costlier: byte count, magic bytes (unsupported formats
/// never reach libvips), then the header's declared pixel count (a decompression bomb is refused before any pixel
/// is decoded), and only then the real decode, shrunk on load.
/// </remarks>
public sealed class ImageDecoder : IDisposable
{
    private readonly ImageDecoderOptions _options;
    private readonly SemaphoreSlim _slots;
    private readonly ILogger<ImageDecoder>? _logger;

    public ImageDecoder(ImageDecoderOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new ImageDecoderOptions();
        _options.Validate();
        _slots = new SemaphoreSlim(_options.MaxConcurrentDecodes, _options.MaxConcurrentDecodes);
        _logger = loggerFactory?.CreateLogger<ImageDecoder>();
        if (loggerFactory is not null)
            VipsLog.Attach(loggerFactory);
        VipsRuntime.EnsureStarted();
    }

    public ImageDecoderOptions Options => _options;

    /// <summary>Reads and decodes a file; errors name the file. The size limit is checked before reading.</summary>
    public async Task<DecodedImage> DecodeFileAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var label = Path.GetFileName(path);
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FileNotFoundException($"Image file '{path}' does not exist.", path);
        CheckByteCount(label, info.Length);
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return await DecodeAsync(bytes, label, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Decodes <paramref name="data"/> on the thread pool; <paramref name="label"/> names it in errors and in the
    /// result. The token is checked while waiting for a slot and before and after the native decode (which itself
    /// cannot be interrupted).
    /// </summary>
    public async Task<DecodedImage> DecodeAsync(ReadOnlyMemory<byte> data, string label, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(label);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => DecodeCore(data.Span, label, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Decodes on the calling thread.</summary>
    public DecodedImage Decode(ReadOnlySpan<byte> data, string label, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(label);
        _slots.Wait(cancellationToken);
        try
        {
            return DecodeCore(data, label, cancellationToken);
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();

    private DecodedImage DecodeCore(ReadOnlySpan<byte> data, string label, CancellationToken cancellationToken)
    {
        if (data.IsEmpty)
            throw new CorruptImageException(label, $"'{label}' is empty (0 bytes).");
        CheckByteCount(label, data.Length);
        var format = ImageFormatSniffer.Detect(data, out var detected)
            ?? throw new UnsupportedImageFormatException(label, detected);
        cancellationToken.ThrowIfCancellationRequested();

        using var source = OpenSource(label, format, data);
        var (sourceWidth, sourceHeight) = ReadHeader(label, format, source);
        var declaredPixels = (long)sourceWidth * sourceHeight;
        if (declaredPixels > _options.MaxInputPixels)
            throw new ImageTooLargeException(label, ImageLimit.DeclaredPixels, declaredPixels, _options.MaxInputPixels,
                $"its header declares {sourceWidth}×{sourceHeight} = {declaredPixels:N0} pixels, more than the limit of {_options.MaxInputPixels:N0}");
        cancellationToken.ThrowIfCancellationRequested();

        var longSide = TargetLongSide(sourceWidth, sourceHeight);
        var (pixels, width, height) = DecodePixels(label, format, source, longSide);
        cancellationToken.ThrowIfCancellationRequested();
        _logger?.LogDebug("Decoded {Input}: {Format} {SourceWidth}x{SourceHeight} -> {Width}x{Height}",
            label, format, sourceWidth, sourceHeight, width, height);
        return new DecodedImage(label, format, sourceWidth, sourceHeight, width, height, pixels);
    }

    /// <summary>
    /// The longest output side that respects <see cref="ImageDecoderOptions.MaxSide"/>, the pixel budget and "never
    /// enlarge". It is the same for both orientations, so it is computed before libvips rotates the image.
    /// </summary>
    internal int TargetLongSide(int width, int height)
    {
        long longSide = Math.Max(width, height);
        var byBudget = (long)Math.Floor(longSide * Math.Sqrt((double)_options.MaxOutputPixels / ((long)width * height)));
        return (int)Math.Max(1, Math.Min(Math.Min(longSide, _options.MaxSide), byBudget));
    }

    private void CheckByteCount(string label, long length)
    {
        if (length > _options.MaxInputBytes)
            throw new ImageTooLargeException(label, ImageLimit.InputBytes, length, _options.MaxInputBytes,
                $"{length:N0} bytes, more than the limit of {_options.MaxInputBytes:N0}");
    }

    private static Source OpenSource(string label, ImageFormat format, ReadOnlySpan<byte> data)
    {
        try
        {
            return VipsDecodePipeline.OpenSource(data);
        }
        catch (VipsException e)
        {
            throw Damaged(label, format, "libvips could not take its bytes", e);
        }
    }

    private static (int Width, int Height) ReadHeader(string label, ImageFormat format, Source source)
    {
        try
        {
            return VipsDecodePipeline.ReadHeader(format, source);
        }
        catch (VipsException e)
        {
            throw Damaged(label, format, "its header could not be read", e);
        }
    }

    private (byte[] Pixels, int Width, int Height) DecodePixels(string label, ImageFormat format, Source source, int longSide)
    {
        try
        {
            var pixels = VipsDecodePipeline.DecodeRgb(source, longSide, _options.DamageTolerance, _options.Background,
                out var width, out var height);
            return (pixels, width, height);
        }
        catch (VipsException e)
        {
            throw Damaged(label, format, "its pixels could not be decoded", e);
        }
    }

    /// <summary>A libvips failure after the format was confirmed by its magic bytes means the file is damaged.</summary>
    private static CorruptImageException Damaged(string label, ImageFormat format, string what, VipsException e)
        => new(label, $"'{label}' is a damaged {format} file: {what} ({e.Message.Trim()})", e);
}
