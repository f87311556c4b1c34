namespace DynamicCot.ModelFiles.Qwen;

/// <summary>Cuts the part a <see cref="MappedTensor"/> describes out of its source tensor (as floats, PyTorch order).</summary>
public static class TensorSlicer
{
    public static float[] Extract(MappedTensor mapped, long[] sourceShape, ReadOnlySpan<float> source)
    {
        switch (mapped.Slice)
        {
            case TensorSlice.Whole:
                return source.ToArray();
            case TensorSlice.Rows rows:
            {
                var rowLength = sourceShape.Skip(1).Aggregate(1L, (a, b) => a * b);
                return source.Slice(checked((int)(rows.Start * rowLength)), checked((int)(rows.Count * rowLength))).ToArray();
            }
            case TensorSlice.TemporalPlane plane:
            {
                // [out, in, t, h, w] → [out, in, h, w] for one t.
                long outs = sourceShape[0], ins = sourceShape[1], t = sourceShape[2], hw = sourceShape[3] * sourceShape[4];
                var result = new float[outs * ins * hw];
                for (long o = 0; o < outs; o++)
                    for (long i = 0; i < ins; i++)
                    {
                        var from = ((o * ins + i) * t + plane.Index) * hw;
                        source.Slice((int)from, (int)hw).CopyTo(result.AsSpan((int)((o * ins + i) * hw), (int)hw));
                    }
                return result;
            }
            default:
                throw new NotSupportedException($"Unknown slice {mapped.Slice}.");
        }
    }
}
