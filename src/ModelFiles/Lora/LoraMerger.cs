using System.Numerics;
using System.Runtime.InteropServices;
using DynamicCot.Gguf;
using DynamicCot.Llama.Native;
using DynamicCot.Llama;

namespace DynamicCot.ModelFiles.Lora;

/// <param name="TensorsDone">Tensors fully written.</param>
/// <param name="CurrentTensor">The tensor being written now (merged or copied).</param>
public readonly record struct LoraMergeProgress(int TensorsDone, int TensorsTotal, string CurrentTensor, long BytesDone, long BytesTotal);

/// <param name="MergedTensors">Base weights that received a LoRA update.</param>
/// <param name="CopiedTensors">Tensors copied byte for byte.</param>
public sealed record LoraMergeResult(string OutputPath, int MergedTensors, int CopiedTensors, long OutputBytes);

/// <summary>
/// Folds a LoRA adapter into its base model: every targeted weight becomes <c>W + scale·(alpha/r)·B·A</c> in the
/// base weight's own type (F32, F16 or BF16); every other tensor and all metadata are copied unchanged. The output
/// then loads plainly and gives the logits llama.cpp gives for base + adapter at runtime, and can be quantized.
/// Memory stays bounded: tensors stream from the memory-mapped base straight into the output, and a merged weight is
/// computed a block of rows at a time on several threads.
/// </summary>
public static unsafe class LoraMerger
{
    /// <summary>Metadata added to the merged file so its origin stays visible (llama.cpp ignores unknown keys).</summary>
    public const string MergedAdapterKey = "dynamiccot.merged_lora.adapter";
    public const string MergedScaleKey = "dynamiccot.merged_lora.scale";

    // About 16 MiB of f32 per block: large enough to keep all threads busy, small enough to stay cache- and memory-friendly.
    private const int BlockElements = 4 << 20;

    /// <exception cref="LoraAdapterException">The adapter does not fit the base (architecture, missing target, shape, rank, quantized base).</exception>
    public static LoraMergeResult Merge(string basePath, string adapterPath, string outputPath, float scale = 1f, int threads = 0,
        IProgress<LoraMergeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(basePath);
        ArgumentException.ThrowIfNullOrEmpty(adapterPath);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        if (!float.IsFinite(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "the LoRA scale must be a finite number");
        var outputFull = Path.GetFullPath(outputPath);
        if (outputFull == Path.GetFullPath(basePath) || outputFull == Path.GetFullPath(adapterPath))
            throw new ArgumentException($"the merged output '{outputPath}' must be a new file, not one of the inputs", nameof(outputPath));
        threads = LlamaThreads.Resolve(threads);

        using var baseFile = GgufFile.Open(basePath);
        var adapterFull = Path.GetFullPath(adapterPath);
        var adapter = LoraAdapterFile.Read(adapterFull);
        var targets = Validate(baseFile, adapter, adapterFull);

        var writer = new GgufWriter();
        foreach (var entry in baseFile.Metadata)
            writer.Add(entry.Key, entry.Value);
        writer.Set(MergedAdapterKey, GgufValue.String(Path.GetFileName(adapterPath)));
        writer.Set(MergedScaleKey, GgufValue.Float32(scale));

        var total = baseFile.Tensors.Count;
        var bytesTotal = baseFile.Tensors.Sum(t => (long)t.ByteSize);
        long bytesDone = 0;
        var done = 0;
        foreach (var tensor in baseFile.Tensors)
        {
            var source = tensor;
            writer.AddTensor(tensor.Name, tensor.Type, tensor.Dimensions, destination =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new LoraMergeProgress(done, total, source.Name, bytesDone, bytesTotal));
                if (targets.TryGetValue(source.Name, out var pair))
                    WriteMerged(baseFile, source, pair, adapter.EffectiveScale(pair, scale), threads, destination, cancellationToken);
                else
                {
                    using var input = baseFile.OpenTensorStream(source);
                    input.CopyTo(destination, 1 << 20);
                }
                bytesDone += (long)source.ByteSize;
                done++;
                progress?.Report(new LoraMergeProgress(done, total, source.Name, bytesDone, bytesTotal));
            });
        }
        writer.WriteTo(outputFull);
        return new LoraMergeResult(outputFull, targets.Count, total - targets.Count, new FileInfo(outputFull).Length);
    }

    /// <summary>
    /// Checks that every pair fits the base model, before anything is written. Returns the pairs by base tensor name.
    /// </summary>
    public static IReadOnlyDictionary<string, LoraTensorPair> Validate(GgufFile baseFile, LoraAdapter adapter, string adapterPath)
    {
        var baseArchitecture = baseFile.TryGetString(LoraAdapterFile.ArchitectureKey, out var arch) ? arch : "(none)";
        if (!string.Equals(baseArchitecture, adapter.Architecture, StringComparison.Ordinal))
            throw new LoraArchitectureMismatchException(adapterPath, adapter.Architecture, baseFile.Path, baseArchitecture);
        var targets = new Dictionary<string, LoraTensorPair>(StringComparer.Ordinal);
        foreach (var pair in adapter.Pairs)
        {
            if (!baseFile.TryGetTensor(pair.BaseName, out var weight))
                throw new LoraTargetMissingException(adapterPath, pair.BaseName, baseFile.Path);
            if (GgmlTypeTraits.TryGet(weight.Type, out var traits) && traits.IsQuantized)
                throw new LoraQuantizedBaseException(baseFile.Path, pair.BaseName, weight.TypeName);
            if (weight.Type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16))
                throw new LoraShapeMismatchException(adapterPath, pair.BaseName, $"the base tensor is {weight.TypeName}, not a float weight matrix");
            var dims = weight.Dimensions;
            if (dims.Length != 2)
                throw new LoraShapeMismatchException(adapterPath, pair.BaseName, $"the base tensor has shape {weight.ShapeText}; LoRA applies to 2-D weights");
            if ((ulong)pair.InFeatures != dims[0])
                throw new LoraShapeMismatchException(adapterPath, pair.BaseName,
                    $"A has n_in {pair.InFeatures} (ne [{pair.InFeatures}, {pair.Rank}]) but the base weight {weight.ShapeText} has ne0 {dims[0]}");
            if ((ulong)pair.OutFeatures != dims[1])
                throw new LoraShapeMismatchException(adapterPath, pair.BaseName,
                    $"B has n_out {pair.OutFeatures} (ne [{pair.Rank}, {pair.OutFeatures}]) but the base weight {weight.ShapeText} has ne1 {dims[1]}");
            targets[pair.BaseName] = pair;
        }
        return targets;
    }

    private static void WriteMerged(GgufFile baseFile, GgufTensorInfo weight, LoraTensorPair pair, float factor, int threads,
        Stream destination, CancellationToken cancellationToken)
    {
        var columns = pair.InFeatures;
        var rows = pair.OutFeatures;
        var elementSize = weight.Type == GgmlType.F32 ? 4 : 2;
        var source = baseFile.GetTensorPointer(weight);
        var blockRows = Math.Clamp(BlockElements / columns, 1, rows);
        var block = new float[blockRows * columns];
        var encoded = new byte[(long)blockRows * columns * elementSize];
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken };
        for (var first = 0; first < rows; first += blockRows)
        {
            var count = Math.Min(blockRows, rows - first);
            var start = first;
            Parallel.For(0, count, options, i =>
            {
                var row = block.AsSpan(i * columns, columns);
                var input = source + (long)(start + i) * columns * elementSize;
                DecodeRow(weight.Type, input, row);
                AddLowRankRow(pair, start + i, factor, row);
                EncodeRow(weight.Type, row, encoded.AsSpan(i * columns * elementSize, columns * elementSize));
            });
            destination.Write(encoded, 0, count * columns * elementSize);
        }
    }

    /// <summary><c>row += factor · Σ_k B[o,k] · A[k,:]</c>: row <paramref name="o"/> of <c>factor·B·A</c>.</summary>
    private static void AddLowRankRow(LoraTensorPair pair, int o, float factor, Span<float> row)
    {
        var columns = pair.InFeatures;
        for (var k = 0; k < pair.Rank; k++)
        {
            var coefficient = factor * pair.B[o * pair.Rank + k];
            if (coefficient == 0)
                continue;
            var a = pair.A.AsSpan(k * columns, columns);
            var i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var c = new Vector<float>(coefficient);
                var rowVectors = MemoryMarshal.Cast<float, Vector<float>>(row);
                var aVectors = MemoryMarshal.Cast<float, Vector<float>>(a);
                for (var v = 0; v < rowVectors.Length; v++)
                    rowVectors[v] += c * aVectors[v];
                i = rowVectors.Length * Vector<float>.Count;
            }
            for (; i < columns; i++)
                row[i] += coefficient * a[i];
        }
    }

    private static void DecodeRow(GgmlType type, byte* input, Span<float> row)
    {
        switch (type)
        {
            case GgmlType.F32:
                new ReadOnlySpan<float>(input, row.Length).CopyTo(row);
                break;
            case GgmlType.F16:
                Float16Conversion.HalfToSingle(new ReadOnlySpan<Half>(input, row.Length), row);
                break;
            default:
                Float16Conversion.BFloat16ToSingle(new ReadOnlySpan<ushort>(input, row.Length), row);
                break;
        }
    }

    private static void EncodeRow(GgmlType type, ReadOnlySpan<float> row, Span<byte> output)
    {
        switch (type)
        {
            case GgmlType.F32:
                MemoryMarshal.AsBytes(row).CopyTo(output);
                break;
            case GgmlType.F16:
                Float16Conversion.SingleToHalf(row, MemoryMarshal.Cast<byte, Half>(output));
                break;
            default:
                Float16Conversion.SingleToBFloat16(row, MemoryMarshal.Cast<byte, ushort>(output));
                break;
        }
    }
}
