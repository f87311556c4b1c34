using DynamicCot.Gguf;
using DynamicCot.Llama.Native;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Gguf.Tests;

public class GgufRoundTripTests
{
    private static readonly GgufKeyValue[] NestedArrays =
    [
        new("test.nested", GgufValue.Arrays([
            GgufValue.Array<int>([1, 2]),
            GgufValue.Strings(["a", "bc"]),
            GgufValue.Arrays([GgufValue.Array<float>([1.5f])]),
            GgufValue.Array<int>(ReadOnlySpan<int>.Empty),
        ])),
        new("test.nested_empty", GgufValue.Arrays([])),
    ];

    [Theory]
    [InlineData(32u)]
    [InlineData(64u)]
    [InlineData(1u)]
    public void EverythingWrittenIsReadBack(uint alignment)
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("model.gguf");
        var metadata = GgufSamples.NativeCompatibleMetadata(alignment).Concat(NestedArrays).ToArray();
        var tensors = GgufSamples.Tensors();
        var writer = GgufSamples.Writer(metadata, tensors);
        writer.WriteTo(path);

        using var file = GgufFile.Open(path);
        Assert.Equal(3u, file.Version);
        Assert.Equal(alignment, file.Alignment);
        Assert.Equal(metadata.Select(m => m.Key), file.Metadata.Keys);
        foreach (var (key, value) in metadata)
            Assert.Equal(value, file.Metadata[key]);

        var layout = writer.ComputeLayout();
        Assert.Equal(layout.DataOffset, file.DataOffset);
        Assert.Equal(layout.TotalBytes, new FileInfo(path).Length);
        Assert.Equal(0, file.DataOffset % alignment);
        Assert.Equal(tensors.Count, file.Tensors.Count);
        for (var i = 0; i < tensors.Count; i++)
        {
            var info = file.Tensors[i];
            Assert.Equal(tensors[i].Name, info.Name);
            Assert.Equal(tensors[i].Type, info.Type);
            Assert.Equal(tensors[i].Dims, info.Dimensions);
            Assert.Equal(layout.TensorOffsets[i], info.Offset);
            Assert.Equal(0UL, info.Offset % alignment);
            Assert.Equal(tensors[i].Data, file.GetTensorData(info).ToArray());
        }
    }

    [Fact]
    public void TypedGettersConvertAndNameTheKeyAndFileOnError()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("m.gguf");
        GgufSamples.Writer(GgufSamples.NativeCompatibleMetadata(), GgufSamples.Tensors()).WriteTo(path);
        using var file = GgufFile.Open(path);

        Assert.Equal("qwen2vl", file.GetString("general.architecture"));
        Assert.Equal(4_000_000_000u, file.GetUInt32("test.u32"));
        Assert.Equal(3.14159f, file.GetFloat32("test.f32"));
        Assert.Equal(new uint[] { 16, 24, 24, 0 }, file.GetArray<uint>("test.arr.u32"));
        Assert.Equal(new[] { "Ġhello", "", "<|endoftext|>", "ü" }, file.GetArray<string>("test.arr.string"));
        Assert.True(file.TryGetUInt32("test.u32", out _));
        Assert.False(file.TryGetString("no.such.key", out _));

        var missing = Assert.Throws<GgufKeyException>(() => file.GetString("no.such.key"));
        Assert.Contains("no.such.key", missing.Message);
        Assert.Contains(path, missing.Message);
        var wrongType = Assert.Throws<GgufKeyException>(() => file.GetUInt32("test.i32"));
        Assert.Contains("int32", wrongType.Message);
        Assert.Throws<GgufKeyException>(() => file.GetArray<int>("test.arr.u32"));
        Assert.Throws<GgufKeyException>(() => file.TryGetUInt32("test.string", out _));
        Assert.Throws<GgufKeyException>(() => file.GetTensor("missing.weight"));
    }

    [Fact]
    public void ReadFloat32ConvertsF32F16AndBF16AndRefusesQuantized()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("m.gguf");
        float[] values = [0f, 1f, -2.5f, 0.1f, 65504f, -0.000061035156f, 1e-3f, 3.5f];
        var f16 = values.Select(v => (Half)v).ToArray();
        var bf16 = new ushort[values.Length];
        Float16Conversion.SingleToBFloat16(values, bf16);
        new GgufWriter()
            .AddTensor("a", GgmlType.F32, [8], System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray())
            .AddTensor("b", GgmlType.F16, [4, 2], System.Runtime.InteropServices.MemoryMarshal.AsBytes(f16.AsSpan()).ToArray())
            .AddTensor("c", GgmlType.BF16, [8], System.Runtime.InteropServices.MemoryMarshal.AsBytes(bf16.AsSpan()).ToArray())
            .AddTensor("q", GgmlType.Q8_0, [32], new byte[34])
            .WriteTo(path);

        using var file = GgufFile.Open(path);
        Assert.Equal(values, file.ReadFloat32("a"));
        Assert.Equal(f16.Select(h => (float)h), file.ReadFloat32("b"));
        var fromBf16 = file.ReadFloat32("c");
        for (var i = 0; i < values.Length; i++)
            Assert.Equal(values[i], fromBf16[i], Math.Abs(values[i]) / 128 + 1e-30f);
        var refused = Assert.Throws<NotSupportedException>(() => file.ReadFloat32("q"));
        Assert.Contains("q8_0", refused.Message);
    }

    [Fact]
    public void OutputIsDeterministicAndInsertionOrdered()
    {
        using var temp = TestPaths.NewTempFolder();
        GgufSamples.Writer(GgufSamples.NativeCompatibleMetadata(), GgufSamples.Tensors()).WriteTo(temp.File("a.gguf"));
        GgufSamples.Writer(GgufSamples.NativeCompatibleMetadata(), GgufSamples.Tensors()).WriteTo(temp.File("b.gguf"));
        Assert.Equal(File.ReadAllBytes(temp.File("a.gguf")), File.ReadAllBytes(temp.File("b.gguf")));

        var reordered = new GgufWriter().AddUInt32("z", 1).AddUInt32("a", 2).Set("z", GgufValue.String("replaced"));
        reordered.WriteTo(temp.File("c.gguf"));
        using var file = GgufFile.Open(temp.File("c.gguf"));
        Assert.Equal(["z", "a"], file.Metadata.Keys);
        Assert.Equal("replaced", file.GetString("z"));
    }

    [Fact]
    public void CallbackTensorsStreamTheirBytes()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("m.gguf");
        var data = GgufSamples.Pattern(4096 * 4, 3);
        new GgufWriter()
            .AddTensor("streamed", GgmlType.F32, [4096], stream =>
            {
                for (var i = 0; i < data.Length; i += 1000)
                    stream.Write(data, i, Math.Min(1000, data.Length - i));
            })
            .AddTensor("after", GgmlType.I8, [3], new byte[] { 1, 2, 3 })
            .WriteTo(path);
        using var file = GgufFile.Open(path);
        Assert.Equal(data, file.GetTensorData("streamed").ToArray());
        Assert.Equal(new byte[] { 1, 2, 3 }, file.GetTensorData("after").ToArray());
        using var stream = file.OpenTensorStream(file.GetTensor("streamed"));
        Assert.Equal(data.Length, stream.Length);
    }

    [Fact]
    public void WriterRejectsInvalidInputAndLeavesNoPartialFile()
    {
        var writer = new GgufWriter().AddUInt32("k", 1);
        Assert.Throws<ArgumentException>(() => writer.AddUInt32("k", 2));
        Assert.Throws<ArgumentException>(() => writer.Add("general.alignment", GgufValue.UInt32(48)));
        Assert.Throws<ArgumentException>(() => writer.Add("general.alignment", GgufValue.UInt64(64)));
        Assert.Throws<ArgumentException>(() => writer.AddTensor(new string('x', 64), GgmlType.F32, [1], new byte[4]));
        writer.AddTensor(new string('x', 63), GgmlType.F32, [1], new byte[4]);
        Assert.Throws<ArgumentException>(() => writer.AddTensor(new string('x', 63), GgmlType.F32, [1], new byte[4]));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("t", GgmlType.F32, [2], new byte[4]));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("t", GgmlType.Q8_0, [33], new byte[68]));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("t", GgmlType.F32, [1, 1, 1, 1, 1], new byte[4]));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("t", (GgmlType)4, [1], new byte[4]));

        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("short.gguf");
        var shortWriter = new GgufWriter().AddTensor("t", GgmlType.F32, [4], stream => stream.Write(new byte[12]));
        var error = Assert.Throws<InvalidOperationException>(() => shortWriter.WriteTo(path));
        Assert.Contains("'t'", error.Message);
        var longWriter = new GgufWriter().AddTensor("t", GgmlType.F32, [1], stream => stream.Write(new byte[8]));
        Assert.Throws<InvalidOperationException>(() => longWriter.WriteTo(path));
        Assert.Empty(Directory.GetFiles(temp.Path));
    }
}
