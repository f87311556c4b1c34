namespace DynamicCot.Finetune.Training;

/// <summary>A checkpoint is incomplete, corrupted or from another format version. Names the file that is wrong.</summary>
public sealed class CheckpointFormatException(string filePath, string reason, Exception? inner = null)
    : FormatException($"{filePath}: checkpoint is unusable: {reason}", inner), DynamicCot.Keyphrases.IUserFacingError
{
    public string FilePath { get; } = filePath;
    public string Reason { get; } = reason;
}
