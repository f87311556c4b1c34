using DynamicCot.Keyphrases;

namespace DynamicCot.ModelFiles.Quantization;

/// <summary>A quantization was refused or failed. <see cref="FilePath"/> names the file it is about.</summary>
public class QuantizationException(string filePath, string message, Exception? inner = null)
    : Exception(message, inner), IUserFacingError
{
    /// <summary>The input or output file the error is about.</summary>
    public string FilePath { get; } = filePath;
}

/// <summary>The input or output was refused before llama.cpp was called (wrong kind of file, unwritable folder, …).</summary>
public sealed class QuantizationInputException(string filePath, string message, Exception? inner = null)
    : QuantizationException(filePath, message, inner);

/// <summary>llama.cpp's quantizer reported a failure; <see cref="NativeLog"/> holds what it logged.</summary>
public sealed class QuantizationFailedException(string filePath, string message, IReadOnlyList<string> nativeLog)
    : QuantizationException(filePath, message)
{
    public IReadOnlyList<string> NativeLog { get; } = nativeLog;
}
