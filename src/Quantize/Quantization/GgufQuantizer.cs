using System.Runtime.InteropServices;
using DynamicCot.LlamaCpp.Engine;
using DynamicCot.LlamaCpp.Gguf;
using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.Quantize.Quantization;

/// <summary>Progress of a quantization: tensors done, and input bytes processed.</summary>
public readonly record struct QuantizationProgress(int TensorsDone, int TensorsTotal, string CurrentTensor, long InputBytesDone, long InputBytesTotal);

/// <summary>The outcome: per-tensor types chosen and the sizes before and after.</summary>
public sealed record QuantizationResult(string OutputPath, long InputBytes, long OutputBytes, IReadOnlyDictionary<string, GgmlType> TensorTypes);

/// <summary>
/// Quantizes a GGUF (language model or mmproj) with ggml's own quantizers (<c>ggml_quantize_chunk</c>), so files are
/// bit-compatible with llama.cpp's. Rows are quantized in parallel chunks and every result is checked with
/// <c>ggml_validate_row_data</c>; tensors stream to the output one at a time.
/// </summary>
public static unsafe class GgufQuantizer
{
    private const int QuantizationVersion = 2;

    public static QuantizationResult Quantize(string inputPath, string outputPath, QuantizationPreset preset, int threads = 0,
        IProgress<QuantizationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (Path.GetFullPath(inputPath) == Path.GetFullPath(outputPath))
            throw new ArgumentException($"The output '{outputPath}' must differ from the input.");
        threads = threads > 0 ? threads : Environment.ProcessorCount;
        LlamaBackend.Initialize();

        using var input = GgufFile.Open(inputPath);
        var isProjector = input.Metadata.TryGetString("general.architecture", out var arch) && arch == "clip";
        if (isProjector && !QuantizationPreset.ForProjector.Contains(preset))
            throw new ArgumentException($"'{inputPath}' is a multimodal projector; it may be quantized to {string.Join(", ", QuantizationPreset.ForProjector.Select(p => p.Name))} only (got {preset.Name}).");
        var layers = isProjector ? 0 : (int)input.Metadata.GetUInt32($"{arch}.block_count");
        var tied = !input.TryGetTensor("output.weight", out _);
        var policy = new TensorTypePolicy(preset, layers, tied, isProjector);

        var writer = new GgufWriter();
        foreach (var entry in input.Metadata)
        {
            if (entry.Key is "general.file_type" or "general.quantization_version")
                continue;
            writer.Add(entry.Key, entry.Value);
        }
        writer.AddUInt32("general.file_type", (uint)preset.FileType);
        writer.AddUInt32("general.quantization_version", QuantizationVersion);

        var types = new Dictionary<string, GgmlType>(StringComparer.Ordinal);
        long inputTotal = input.Tensors.Sum(t => (long)t.ByteSize), inputDone = 0;
        var done = 0;
        foreach (var tensor in input.Tensors)
        {
            var dims = tensor.Dimensions;
            var target = policy.Choose(tensor.Name, dims, tensor.Type);
            types[tensor.Name] = target;
            writer.AddTensor(tensor.Name, target, dims, stream =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (target == tensor.Type)
                {
                    using var source = input.OpenTensorStream(tensor);
                    source.CopyTo(stream);
                }
                else
                {
                    stream.Write(Encode(input, tensor, target, threads));
                }
                inputDone += (long)tensor.ByteSize;
                progress?.Report(new QuantizationProgress(++done, input.Tensors.Count, tensor.Name, inputDone, inputTotal));
            });
        }

        var full = Path.GetFullPath(outputPath);
        writer.WriteTo(full);
        return new QuantizationResult(full, new FileInfo(inputPath).Length, new FileInfo(full).Length, types);
    }

    private static byte[] Encode(GgufFile input, GgufTensorInfo tensor, GgmlType target, int threads)
    {
        if (tensor.Type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16))
            throw new NotSupportedException($"{input.Path}: tensor '{tensor.Name}' is already {tensor.TypeName}; quantize from an F32, F16 or BF16 file.");
        var values = input.ReadFloat32(tensor.Name);
        var dims = tensor.Dimensions;
        var rowLength = (long)dims[0];
        var rows = values.LongLength / rowLength;
        var rowBytes = (long)NativeApi.ggml_row_size(target, rowLength);
        if (target is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16)
            return Qwen.FloatEncoding.Encode(values, target);
        var output = new byte[checked(rows * rowBytes)];

        if (NativeApi.ggml_quantize_requires_imatrix(target))
            throw new NotSupportedException($"{target} needs an importance matrix, which this tool does not compute.");
        NativeApi.ggml_quantize_init(target);
        // Chunks of whole rows, spread over the threads; ggml_quantize_chunk is thread-safe once initialised.
        var rowsPerChunk = Math.Max(1, Math.Min(rows, Math.Max(1, (1 << 16) / rowLength)));
        var chunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
        var invalid = 0;
        fixed (float* source = values)
        fixed (byte* destination = output)
        {
            var src = (nint)source;
            var dst = (nint)destination;
            Parallel.For(0L, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, chunk =>
            {
                var first = chunk * rowsPerChunk;
                var count = Math.Min(rowsPerChunk, rows - first);
                var written = NativeApi.ggml_quantize_chunk(target, (float*)src, (void*)dst, first * rowLength, count, rowLength, null);
                if (!NativeApi.ggml_validate_row_data(target, (byte*)dst + first * rowBytes, written))
                    Interlocked.Exchange(ref invalid, 1);
            });
        }
        if (invalid != 0)
            throw new InvalidDataException($"{input.Path}: quantizing '{tensor.Name}' to {target} produced invalid blocks (non-finite input values?).");
        return output;
    }
}
