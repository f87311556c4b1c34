namespace DynamicCot.Keyphrases.Images.Native;

/// <summary>A libvips call failed. <see cref="Operation"/> names the call; the message carries libvips' own text.</summary>
public sealed class VipsNativeException : Exception
{
    public VipsNativeException(string operation, string message, Exception? inner = null) : base(message, inner)
    {
        Operation = operation;
    }

    /// <summary>The operation or function that failed, e.g. <c>thumbnail_buffer</c>.</summary>
    public string Operation { get; }
}

/// <summary>libvips could not be found, opened or started. The message names the file and what to do.</summary>
public sealed class VipsLibraryException : Exception
{
    public VipsLibraryException(string? path, string message, Exception? inner = null) : base(message, inner)
    {
        LibraryPath = path;
    }

    /// <summary>The file that was tried, or null when none was found.</summary>
    public string? LibraryPath { get; }
}
