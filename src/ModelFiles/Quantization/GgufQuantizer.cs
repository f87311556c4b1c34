using DynamicCot.Gguf;
using DynamicCot.Llama.Native;

namespace DynamicCot.ModelFiles.Quantization;

/// <summary>The outcome: per-tensor types in the written file and the sizes before and after.</summary>
public sealed record QuantizationResult(string OutputPath, QuantizationTarget Target, long InputBytes, long OutputBytes,
    IReadOnlyDictionary<string, GgmlType> TensorTypes, IReadOnlyList<string> NativeLog);

/// <summary>
/// Quantizes a GGUF: a language model with llama.cpp's own quantizer (<see cref="LanguageModelQuantizer"/>), which
/// chooses every tensor's type itself; a multimodal projector to F16/F32 with the managed writer
/// (<see cref="ProjectorConverter"/>). The input is checked first, so bad input gets an error naming the file
/// rather than reaching native code; the output is written to a temporary file and renamed into place.
/// </summary>
public static class GgufQuantizer
{
    public static QuantizationResult Quantize(string inputPath, string outputPath, QuantizationPreset preset, int threads = 0,
        IProgress<QuantizationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(preset);
        var input = QuantizationInput.Check(inputPath, outputPath, preset);
        cancellationToken.ThrowIfCancellationRequested();
        return input.Target == QuantizationTarget.LanguageModel
            ? LanguageModelQuantizer.Quantize(input, preset, threads, progress, cancellationToken)
            : ProjectorConverter.Convert(input, preset, progress, cancellationToken);
    }

    /// <summary>Reads back the tensor types of a written file (with the managed reader: no native code).</summary>
    internal static IReadOnlyDictionary<string, GgmlType> TensorTypesOf(string path)
    {
        using var file = GgufFile.Open(path);
        return file.Tensors.ToDictionary(t => t.Name, t => t.Type, StringComparer.Ordinal);
    }
}
