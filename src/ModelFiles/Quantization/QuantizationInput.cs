using DynamicCot.Gguf;
using DynamicCot.Llama.Native;

namespace DynamicCot.ModelFiles.Quantization;

/// <summary>
/// An input and output that passed the checks made before any native call: the input is a readable, complete GGUF
/// of the kind the preset is for, with float weights; the output is another file in a folder that exists.
/// </summary>
internal sealed record QuantizationInput(string InputPath, string OutputPath, QuantizationTarget Target, string Architecture,
    int TensorCount, long InputBytes)
{
    private const string ProjectorArchitecture = "clip";

    public static QuantizationInput Check(string inputPath, string outputPath, QuantizationPreset preset)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        var input = Path.GetFullPath(inputPath);
        var output = Path.GetFullPath(outputPath);
        if (!File.Exists(input))
            throw new QuantizationInputException(input, Directory.Exists(input)
                ? $"{input} is a folder; quantize takes a GGUF file."
                : $"{input} does not exist.");
        if (SameFile(input, output))
            throw new QuantizationInputException(output, $"The output {output} is the input file; write the quantized model to another file.");
        CheckOutputFolder(output);

        GgufFile file;
        try
        {
            file = GgufFile.Open(input);
        }
        catch (GgufFormatException e)
        {
            throw new QuantizationInputException(input, $"{input} is not a readable GGUF model: {e.Reason}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QuantizationInputException(input, $"{input} cannot be read: {e.Message}", e);
        }
        using (file)
        {
            if (!file.Metadata.TryGetString("general.architecture", out var architecture) || architecture.Length == 0)
                throw new QuantizationInputException(input, $"{input} has no general.architecture; it is not a model file.");
            var target = architecture == ProjectorArchitecture ? QuantizationTarget.Projector : QuantizationTarget.LanguageModel;
            if (!preset.Supports(target))
                throw new QuantizationInputException(input, target == QuantizationTarget.Projector
                    ? $"{input} is a multimodal projector (mmproj); it stays {Names(QuantizationTarget.Projector)} (got {preset.Name}). Quantize the language model GGUF instead."
                    : $"{input} is a language model ({architecture}); --type {preset.Name} is for the projector only. Use one of {Names(QuantizationTarget.LanguageModel)}.");
            if (target == QuantizationTarget.LanguageModel)
            {
                CheckLanguageModel(file, architecture);
                CheckRowsFit(file, preset);
            }
            CheckFloatWeights(file);
            return new QuantizationInput(input, output, target, architecture, file.Tensors.Count, file.FileLength);
        }
    }

    private static void CheckLanguageModel(GgufFile file, string architecture)
    {
        if (!file.Metadata.TryGetUInt32($"{architecture}.block_count", out var layers) || layers == 0)
            throw new QuantizationInputException(file.Path, $"{file.Path} has no {architecture}.block_count; it is not a language model llama.cpp can quantize.");
        if (!file.TryGetTensor("token_embd.weight", out _))
            throw new QuantizationInputException(file.Path, $"{file.Path} has no token_embd.weight tensor; it is not a language model llama.cpp can quantize.");
    }

    /// <summary>
    /// llama.cpp quantizes the weight matrices (names ending in <c>weight</c>, two or more dimensions); for Q8_0 and
    /// Q4_0 it fails the whole file on the first row its block does not divide, so that is found here, by name.
    /// </summary>
    private static void CheckRowsFit(GgufFile file, QuantizationPreset preset)
    {
        if (preset.RequiredRowMultiple is not { } multiple)
            return;
        var misfit = file.Tensors.FirstOrDefault(t => t.Name.EndsWith("weight", StringComparison.Ordinal)
            && t.Dimensions.Length >= 2 && t.Dimensions[0] % (ulong)multiple != 0);
        if (misfit is not null)
            throw new QuantizationInputException(file.Path,
                $"{file.Path}: tensor '{misfit.Name}' has rows of {misfit.Dimensions[0]} values, not a multiple of {multiple}, which llama.cpp needs for {preset.Name}; " +
                $"use a K-quant type (q4_k_m, q5_k_m, q6_k: llama.cpp falls back for such rows) or f16/bf16.");
    }

    /// <summary>Requantizing already-quantized weights loses precision twice; llama.cpp refuses it too, less clearly.</summary>
    private static void CheckFloatWeights(GgufFile file)
    {
        var quantized = file.Tensors.FirstOrDefault(t => t.Type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16));
        if (quantized is not null)
            throw new QuantizationInputException(file.Path,
                $"{file.Path}: tensor '{quantized.Name}' is already {quantized.TypeName}; quantize from an F32, F16 or BF16 file (convert writes one).");
    }

    private static void CheckOutputFolder(string output)
    {
        if (Directory.Exists(output))
            throw new QuantizationInputException(output, $"The output {output} is a folder; give a file name.");
        var folder = Path.GetDirectoryName(output)!;
        if (!Directory.Exists(folder))
            throw new QuantizationInputException(output, File.Exists(folder)
                ? $"The output folder {folder} is a file."
                : $"The output folder {folder} does not exist.");
        // Proven by creating a file there: permission bits say nothing for root or for read-only mounts.
        var probe = Path.Combine(folder, $".{Path.GetFileName(output)}.{Environment.ProcessId}.probe");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QuantizationInputException(output, $"The output folder {folder} is not writable: {e.Message}", e);
        }
    }

    private static bool SameFile(string input, string output)
    {
        if (string.Equals(input, output, StringComparison.Ordinal))
            return true;
        if (!File.Exists(output))
            return false;
        static string Resolve(string path) => File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
        return string.Equals(Resolve(input), Resolve(output), StringComparison.Ordinal);
    }

    private static string Names(QuantizationTarget target) => string.Join(", ", QuantizationPreset.ForTarget(target).Select(p => p.Name));
}
