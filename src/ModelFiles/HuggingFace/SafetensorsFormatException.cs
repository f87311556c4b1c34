namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>
/// A safetensors file (or the sharded index that points at it) is malformed or unsupported.
/// Always names the file and, when it is about bytes, the byte offset where the problem was found.
/// </summary>
public sealed class SafetensorsFormatException : FormatException, DynamicCot.Keyphrases.IUserFacingError
{
    public SafetensorsFormatException(string filePath, long byteOffset, string reason, Exception? inner = null)
        : base(Compose(filePath, byteOffset, reason), inner)
    {
        FilePath = filePath;
        ByteOffset = byteOffset;
        Reason = reason;
    }

    /// <summary>The file that is malformed.</summary>
    public string FilePath { get; }

    /// <summary>Offset from the start of the file where the problem was found; -1 when it is not about a byte position.</summary>
    public long ByteOffset { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Reason { get; }

    private static string Compose(string filePath, long byteOffset, string reason) =>
        byteOffset >= 0 ? $"{filePath}: at byte {byteOffset}: {reason}" : $"{filePath}: {reason}";
}
