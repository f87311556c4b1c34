using DynamicCot.Keyphrases;

namespace DynamicCot.Inference.Images;

/// <summary>An image could not be decoded. <see cref="Input"/> names it (file name or caller-supplied label).</summary>
public class ImageDecodeException : Exception, IUserFacingError
{
    public ImageDecodeException(string input, string message, Exception? inner = null) : base(message, inner)
    {
        Input = input;
    }

    /// <summary>The file name or label of the image that failed.</summary>
    public string Input { get; }
}

/// <summary>The input is not JPEG, PNG, WebP or GIF (judged by its leading bytes). It never reached libvips.</summary>
public sealed class UnsupportedImageFormatException : ImageDecodeException
{
    public UnsupportedImageFormatException(string input, string detected)
        : base(input, $"'{input}' is {detected}; only JPEG, PNG, WebP and GIF images are accepted.")
    {
        Detected = detected;
    }

    /// <summary>What the input looks like instead, e.g. "a BMP image" or "text".</summary>
    public string Detected { get; }
}

/// <summary>Which limit an image exceeded.</summary>
public enum ImageLimit
{
    /// <summary>The encoded size in bytes.</summary>
    InputBytes,
    /// <summary>Width × height declared in the image header (checked before decoding).</summary>
    DeclaredPixels,
}

/// <summary>The input is larger than a configured limit. Raised before any pixel is decoded.</summary>
public sealed class ImageTooLargeException : ImageDecodeException
{
    public ImageTooLargeException(string input, ImageLimit limit, long actual, long maximum, string detail)
        : base(input, $"'{input}' is too large: {detail}.")
    {
        Limit = limit;
        Actual = actual;
        Maximum = maximum;
    }

    public ImageLimit Limit { get; }

    public long Actual { get; }

    public long Maximum { get; }
}

/// <summary>The input claims a supported format but is damaged: empty, truncated, or rejected by the decoder.</summary>
public sealed class CorruptImageException : ImageDecodeException
{
    public CorruptImageException(string input, string message, Exception? inner = null) : base(input, message, inner) { }
}
