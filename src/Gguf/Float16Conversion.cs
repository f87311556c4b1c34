namespace DynamicCot.Gguf;

/// <summary>Managed F16/BF16 ↔ F32 conversion for reading and writing tensor data without the native library.</summary>
public static class Float16Conversion
{
    public static void HalfToSingle(ReadOnlySpan<Half> source, Span<float> destination)
    {
        CheckLengths(source.Length, destination.Length);
        for (var i = 0; i < source.Length; i++)
            destination[i] = (float)source[i];
    }

    public static void SingleToHalf(ReadOnlySpan<float> source, Span<Half> destination)
    {
        CheckLengths(source.Length, destination.Length);
        for (var i = 0; i < source.Length; i++)
            destination[i] = (Half)source[i];
    }

    /// <summary>BF16 is the upper half of an IEEE float32, so widening is a shift (exact).</summary>
    public static float BFloat16ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>Round-to-nearest-even narrowing, with NaN kept a quiet NaN with its sign, as ggml's fp32→bf16 and PyTorch do.</summary>
    public static ushort SingleToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        return (bits & 0x7fffffff) > 0x7f800000
            ? (ushort)((bits >> 16) | 64)
            : (ushort)((bits + (0x7fff + ((bits >> 16) & 1))) >> 16);
    }

    public static void BFloat16ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        CheckLengths(source.Length, destination.Length);
        for (var i = 0; i < source.Length; i++)
            destination[i] = BFloat16ToSingle(source[i]);
    }

    public static void SingleToBFloat16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        CheckLengths(source.Length, destination.Length);
        for (var i = 0; i < source.Length; i++)
            destination[i] = SingleToBFloat16(source[i]);
    }

    private static void CheckLengths(int source, int destination)
    {
        if (source != destination)
            throw new ArgumentException($"source has {source} elements but destination has {destination}");
    }
}
