using System.Runtime.InteropServices;
using DynamicCot.Llama;
using DynamicCot.Llama.Native;
using DynamicCot.Gguf;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>
/// Encodes floats as F32/F16/BF16 bytes with ggml's own row converters, so converted files are bit-identical to what
/// llama.cpp would produce from the same floats.
/// </summary>
public static unsafe class FloatEncoding
{
    /// <summary>Encodes into <paramref name="destination"/> (exactly values × the type's element size); returns the bytes written.</summary>
    public static int Encode(ReadOnlySpan<float> values, GgmlType type, Span<byte> destination)
    {
        switch (type)
        {
            case GgmlType.F32:
                MemoryMarshal.AsBytes(values).CopyTo(destination);
                return values.Length * sizeof(float);
            case GgmlType.F16:
            case GgmlType.BF16:
            {
                LlamaBackend.Initialize();
                if (destination.Length < values.Length * 2)
                    throw new ArgumentException($"{values.Length} {type} values need {values.Length * 2} bytes, the destination holds {destination.Length}.", nameof(destination));
                fixed (float* source = values)
                fixed (byte* target = destination)
                {
                    if (type == GgmlType.F16)
                        NativeApi.ggml_fp32_to_fp16_row(source, (ushort*)target, values.Length);
                    else
                        NativeApi.ggml_fp32_to_bf16_row(source, (ushort*)target, values.Length);
                }
                return values.Length * 2;
            }
            default:
                throw new ArgumentException($"{type} is not a float type.", nameof(type));
        }
    }

    public static byte[] Encode(ReadOnlySpan<float> values, GgmlType type)
    {
        switch (type)
        {
            case GgmlType.F32:
                return MemoryMarshal.AsBytes(values).ToArray();
            case GgmlType.F16:
            case GgmlType.BF16:
            {
                LlamaBackend.Initialize();
                var result = new byte[values.Length * 2];
                fixed (float* source = values)
                fixed (byte* destination = result)
                {
                    if (type == GgmlType.F16)
                        NativeApi.ggml_fp32_to_fp16_row(source, (ushort*)destination, values.Length);
                    else
                        NativeApi.ggml_fp32_to_bf16_row(source, (ushort*)destination, values.Length);
                }
                return result;
            }
            default:
                throw new ArgumentException($"{type} is not a float type.", nameof(type));
        }
    }
}
