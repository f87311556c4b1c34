using System.Buffers.Binary;
using System.Runtime.InteropServices;
using DynamicCot.Gguf;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>
/// Conversions between float32 and the 16-bit float formats safetensors stores (IEEE half and bfloat16),
/// little-endian as safetensors requires.
/// </summary>
public static class FloatConversion
{
    /// <summary>bfloat16 is the upper half of a float32, so widening is exact.</summary>
    public static float BFloat16ToSingle(ushort bits) => Float16Conversion.BFloat16ToSingle(bits);

    /// <summary>Narrows to bfloat16 with round-to-nearest-even (what PyTorch does); NaN stays a quiet NaN with its sign.</summary>
    public static ushort SingleToBFloat16(float value) => Float16Conversion.SingleToBFloat16(value);

    /// <summary>Decodes <paramref name="source"/> (elements of <paramref name="type"/>) into <paramref name="destination"/>.</summary>
    public static void ToSingle(ReadOnlySpan<byte> source, SafetensorsDType type, Span<float> destination)
    {
        int count = destination.Length;
        if (source.Length != (long)count * type.ElementSize())
            throw new ArgumentException($"{source.Length} bytes of {type} do not hold {count} elements");
        switch (type)
        {
            case SafetensorsDType.F32:
                if (BitConverter.IsLittleEndian)
                    MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                else
                    for (int i = 0; i < count; i++)
                        destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * 4)..]);
                break;
            case SafetensorsDType.F16:
                var halves = MemoryMarshal.Cast<byte, ushort>(source);
                for (int i = 0; i < count; i++)
                    destination[i] = (float)BitConverter.UInt16BitsToHalf(LittleEndian(halves[i]));
                break;
            case SafetensorsDType.BF16:
                var brains = MemoryMarshal.Cast<byte, ushort>(source);
                for (int i = 0; i < count; i++)
                    destination[i] = BFloat16ToSingle(LittleEndian(brains[i]));
                break;
            default:
                throw new NotSupportedException($"cannot convert {type.HeaderName()} to float32");
        }
    }

    /// <summary>Encodes float32 values as <paramref name="type"/> (F32, F16 or BF16) into <paramref name="destination"/>.</summary>
    public static void FromSingle(ReadOnlySpan<float> source, SafetensorsDType type, Span<byte> destination)
    {
        int count = source.Length;
        if (destination.Length != (long)count * type.ElementSize())
            throw new ArgumentException($"{destination.Length} bytes of {type} do not hold {count} elements");
        switch (type)
        {
            case SafetensorsDType.F32:
                for (int i = 0; i < count; i++)
                    BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], source[i]);
                break;
            case SafetensorsDType.F16:
                for (int i = 0; i < count; i++)
                    BinaryPrimitives.WriteUInt16LittleEndian(destination[(i * 2)..], BitConverter.HalfToUInt16Bits((Half)source[i]));
                break;
            case SafetensorsDType.BF16:
                for (int i = 0; i < count; i++)
                    BinaryPrimitives.WriteUInt16LittleEndian(destination[(i * 2)..], SingleToBFloat16(source[i]));
                break;
            default:
                throw new NotSupportedException($"cannot write float32 values as {type.HeaderName()}");
        }
    }

    private static ushort LittleEndian(ushort stored) => BitConverter.IsLittleEndian ? stored : BinaryPrimitives.ReverseEndianness(stored);
}
