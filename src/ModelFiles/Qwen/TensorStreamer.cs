using DynamicCot.Gguf;
using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>
/// Copies the part of a checkpoint tensor a <see cref="MappedTensor"/> names into a GGUF data stream, re-encoded, a
/// chunk at a time: a whole tensor or a row range is contiguous in the source, so only a 1 Mi-element buffer is held
/// however large the tensor (the 7B's 151,936 × 3,584 embedding is 2.2 GB as floats).
/// </summary>
public static class TensorStreamer
{
    private const int ChunkElements = 1 << 20;

    /// <summary>Writes the encoded values to <paramref name="destination"/>; returns how many values were copied.</summary>
    public static long Copy(SafetensorsCheckpoint checkpoint, MappedTensor tensor, SafetensorsTensorInfo source, GgmlType type, Stream destination)
    {
        long first, count;
        switch (tensor.Slice)
        {
            case TensorSlice.Whole:
                (first, count) = (0, source.ElementCount);
                break;
            case TensorSlice.Rows rows:
                var rowLength = source.Shape.Skip(1).Aggregate(1L, (a, b) => a * b);
                (first, count) = (rows.Start * rowLength, rows.Count * rowLength);
                break;
            default:
                // A strided cut (the patch embedding's temporal planes): small, done whole.
                var part = TensorSlicer.Extract(tensor, source.Shape.ToArray(), checkpoint.ReadFloat32(tensor.SourceName));
                destination.Write(FloatEncoding.Encode(part, type));
                return part.Length;
        }

        var floats = new float[(int)Math.Min(ChunkElements, Math.Max(count, 1))];
        var bytes = new byte[floats.Length * sizeof(float)];
        for (long done = 0; done < count; done += floats.Length)
        {
            var span = floats.AsSpan(0, (int)Math.Min(floats.Length, count - done));
            checkpoint.ReadFloat32(tensor.SourceName, first + done, span);
            var written = FloatEncoding.Encode(span, type, bytes);
            destination.Write(bytes, 0, written);
        }
        return count;
    }
}
