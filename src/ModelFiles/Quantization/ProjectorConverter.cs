using System.Runtime.InteropServices;
using DynamicCot.Gguf;
using DynamicCot.Llama.Native;
using LLama.Native;

namespace DynamicCot.ModelFiles.Quantization;

/// <summary>
/// Rewrites a multimodal projector (mmproj) as F16 or F32 with the managed GGUF reader and writer. llama.cpp's
/// quantizer handles language models only, and the vision tower loses too much to coarser types; vectors (norms,
/// biases) and the learned position table (<see cref="ProjectorTensorRules"/>) stay F32 as llama.cpp's converter keeps
/// them. No native code runs.
/// </summary>
internal static class ProjectorConverter
{
    public static QuantizationResult Convert(QuantizationInput input, QuantizationPreset preset,
        IProgress<QuantizationProgress>? progress, CancellationToken cancellationToken)
    {
        var matrixType = preset.FileType == LLamaFtype.ALL_F32 ? GgmlType.F32 : GgmlType.F16;
        using var file = GgufFile.Open(input.InputPath);
        var writer = new GgufWriter();
        foreach (var entry in file.Metadata)
            writer.Add(entry.Key, entry.Value);
        writer.Set("general.file_type", GgufValue.UInt32((uint)preset.FileType));
        var done = 0;
        foreach (var tensor in file.Tensors)
        {
            var dims = tensor.Dimensions;
            var target = dims.Length <= 1 || ProjectorTensorRules.KeepsF32(tensor.Name) ? GgmlType.F32 : matrixType;
            writer.AddTensor(tensor.Name, target, dims, stream =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (target == tensor.Type)
                {
                    using var source = file.OpenTensorStream(tensor);
                    source.CopyTo(stream);
                }
                else
                    stream.Write(Encode(file.ReadFloat32(tensor.Name), target));
                progress?.Report(new QuantizationProgress(++done, file.Tensors.Count, tensor.Name));
            });
        }
        writer.WriteTo(input.OutputPath); // atomic: temporary file renamed into place
        return new QuantizationResult(input.OutputPath, QuantizationTarget.Projector, input.InputBytes,
            new FileInfo(input.OutputPath).Length, GgufQuantizer.TensorTypesOf(input.OutputPath), []);
    }

    private static byte[] Encode(float[] values, GgmlType type)
    {
        if (type == GgmlType.F32)
            return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var halves = new Half[values.Length];
        Float16Conversion.SingleToHalf(values, halves);
        return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
    }
}
