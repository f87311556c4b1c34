namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>
/// A Hugging Face JSON file (config.json, tokenizer.json, tokenizer_config.json, preprocessor_config.json) is missing,
/// malformed, or lacks or misstates a key. Names the file and the key path (e.g. <c>vision_config.depth</c>).
/// </summary>
public sealed class HfFileFormatException : FormatException, DynamicCot.Keyphrases.IUserFacingError
{
    public HfFileFormatException(string filePath, string? key, string reason, Exception? inner = null)
        : base(key is null ? $"{filePath}: {reason}" : $"{filePath}: key \"{key}\": {reason}", inner)
    {
        FilePath = filePath;
        Key = key;
        Reason = reason;
    }

    public string FilePath { get; }

    /// <summary>Dotted path of the offending key; null when the problem is with the whole file.</summary>
    public string? Key { get; }

    public string Reason { get; }
}
