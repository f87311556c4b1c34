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
