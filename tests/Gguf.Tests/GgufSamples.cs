using System.Runtime.InteropServices;
using DynamicCot.Gguf;
using DynamicCot.Llama.Native;

namespace DynamicCot.Gguf.Tests;

/// <summary>Test inputs: metadata covering every value type, and tensors with recognisable bytes.</summary>
internal static class GgufSamples
{
    /// <summary>One entry of every scalar type and of every array element type llama.cpp supports (no nested arrays).</summary>
    public static IReadOnlyList<GgufKeyValue> NativeCompatibleMetadata(uint alignment = 32) =>
    [
        new("general.architecture", GgufValue.String("qwen2vl")),
        new("general.alignment", GgufValue.UInt32(alignment)),
        new("test.u8", GgufValue.UInt8(250)),
        new("test.i8", GgufValue.Int8(-120)),
        new("test.u16", GgufValue.UInt16(65000)),
        new("test.i16", GgufValue.Int16(-32000)),
        new("test.u32", GgufValue.UInt32(4_000_000_000)),
        new("test.i32", GgufValue.Int32(-2_000_000_000)),
        new("test.f32", GgufValue.Float32(3.14159f)),
        new("test.bool", GgufValue.Bool(true)),
        new("test.string", GgufValue.String("héllo, 世界 <|im_start|>\n")),
        new("test.empty_string", GgufValue.String("")),
        new("test.u64", GgufValue.UInt64(18_000_000_000_000_000_000)),
        new("test.i64", GgufValue.Int64(-9_000_000_000_000_000_000)),
        new("test.f64", GgufValue.Float64(-2.718281828459045)),
        new("test.arr.u8", GgufValue.Array<byte>([1, 2, 255])),
        new("test.arr.i8", GgufValue.Array<sbyte>([-1, 0, 127])),
        new("test.arr.u16", GgufValue.Array<ushort>([1, 65535])),
        new("test.arr.i16", GgufValue.Array<short>([-32768, 7])),
        new("test.arr.u32", GgufValue.Array<uint>([16, 24, 24, 0])),
        new("test.arr.i32", GgufValue.Array<int>([-5, 5, int.MaxValue])),
        new("test.arr.f32", GgufValue.Array<float>([0.5f, -1e-30f, float.MaxValue])),
        new("test.arr.bool", GgufValue.Array<bool>([true, false, true])),
        new("test.arr.u64", GgufValue.Array<ulong>([ulong.MaxValue, 0])),
        new("test.arr.i64", GgufValue.Array<long>([long.MinValue, 42])),
        new("test.arr.f64", GgufValue.Array<double>([1.0 / 3, double.Epsilon])),
        new("test.arr.string", GgufValue.Strings(["Ġhello", "", "<|endoftext|>", "ü"])),
        new("test.arr.empty", GgufValue.Array<int>(ReadOnlySpan<int>.Empty)),
    ];

    public sealed record SampleTensor(string Name, GgmlType Type, ulong[] Dims, byte[] Data);

    /// <summary>Tensors whose dims have no trailing 1s, since llama.cpp's writer drops those.</summary>
    public static IReadOnlyList<SampleTensor> Tensors()
    {
        var f32 = Enumerable.Range(0, 6 * 5).Select(i => i * 0.25f - 3f).ToArray();
        var f16 = Enumerable.Range(0, 8 * 3).Select(i => (Half)(i * 0.5f - 2f)).ToArray();
        var bf16 = Enumerable.Range(0, 4 * 2 * 3).Select(i => (ushort)(BitConverter.SingleToUInt32Bits(i * 1.5f - 7f) >> 16)).ToArray();
        return
        [
            new("token_embd.weight", GgmlType.F32, [6, 5], MemoryMarshal.AsBytes(f32.AsSpan()).ToArray()),
            new("blk.0.attn_q.weight", GgmlType.F16, [8, 3], MemoryMarshal.AsBytes(f16.AsSpan()).ToArray()),
            new("blk.0.ffn_up.weight", GgmlType.Q8_0, [64, 2], Pattern(2 * 2 * 34, 7)),
            new("v.patch_embd.weight", GgmlType.BF16, [4, 2, 3], MemoryMarshal.AsBytes(bf16.AsSpan()).ToArray()),
            new("output_norm.weight", GgmlType.F32, [3], MemoryMarshal.AsBytes(new[] { 1f, 2f, 3f }.AsSpan()).ToArray()),
        ];
    }

    public static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static GgufWriter Writer(IEnumerable<GgufKeyValue> metadata, IEnumerable<SampleTensor> tensors)
    {
        var writer = new GgufWriter();
        foreach (var (key, value) in metadata)
            writer.Add(key, value);
        foreach (var t in tensors)
            writer.AddTensor(t.Name, t.Type, t.Dims, t.Data);
        return writer;
    }
}
