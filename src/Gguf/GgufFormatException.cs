namespace DynamicCot.Gguf;

/// <summary>
/// A GGUF file is malformed or does not hold what was asked of it. The message names the file, the byte offset where
/// the problem was found (when there is one) and the reason.
/// </summary>
public class GgufFormatException : FormatException
{
    public GgufFormatException(string path, long? offset, string reason, Exception? inner = null)
        : base(Describe(path, offset, reason), inner)
    {
        FilePath = path;
        Offset = offset;
        Reason = reason;
    }

    /// <summary>The file (or stream description) that was being read or written.</summary>
    public string FilePath { get; }

    /// <summary>Absolute byte offset in the file where the problem was found, or null when it is not about one place.</summary>
    public long? Offset { get; }

    public string Reason { get; }

    private static string Describe(string path, long? offset, string reason) =>
        offset is { } at ? $"{path}: invalid GGUF at byte {at}: {reason}" : $"{path}: {reason}";
}

/// <summary>A metadata key or tensor that was asked for is missing, or has another type than asked for.</summary>
public sealed class GgufKeyException(string path, string key, string reason)
    : GgufFormatException(path, null, reason)
{
    /// <summary>The metadata key or tensor name.</summary>
    public string Key { get; } = key;
}
