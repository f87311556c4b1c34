using System.Buffers.Binary;
using System.Text;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;

namespace DynamicCot.ModelFiles.Tests.HuggingFace;

public sealed class SafetensorsTests
{
    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
    }

    [Theory]
    [InlineData(SafetensorsDType.F32)]
    [InlineData(SafetensorsDType.F16)]
    [InlineData(SafetensorsDType.BF16)]
    public void RoundTripsFloatTensors(SafetensorsDType dtype)
    {
        using var folder = TestPaths.NewTempFolder();
        var weight = Values(6 * 4, 1);
        var bias = Values(6, 2);
        var writer = new SafetensorsWriter();
        writer.Add("layer.weight", [6, 4], weight, dtype);
        writer.Add("layer.bias", [6], bias, dtype);
        writer.Add("scalar", [], new float[] { 1.5f }, dtype);
        string path = folder.File("model.safetensors");
        writer.Write(path);

        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);
        Assert.Equal(["layer.bias", "layer.weight", "scalar"], checkpoint.Tensors.Select(t => t.Name));
        Assert.Equal("pt", checkpoint.Metadata["format"]);
        var info = checkpoint.GetInfo("layer.weight");
        Assert.Equal(dtype, info.DType);
        Assert.Equal([6L, 4L], info.Shape);
        float tolerance = dtype switch { SafetensorsDType.F32 => 0f, SafetensorsDType.F16 => 2e-3f, _ => 1.6e-2f };
        var read = checkpoint.ReadFloat32("layer.weight");
        for (int i = 0; i < weight.Length; i++)
            Assert.True(Math.Abs(read[i] - weight[i]) <= tolerance * Math.Max(1, Math.Abs(weight[i])), $"{read[i]} vs {weight[i]}");
        Assert.Equal(1.5f, checkpoint.ReadFloat32("scalar")[0]);

        // Header length is a multiple of 8 and the data starts aligned.
        var bytes = File.ReadAllBytes(path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, headerLength % 8);
        Assert.EndsWith("}", Encoding.UTF8.GetString(bytes, 8, (int)headerLength).TrimEnd(' '));
    }

    [Fact]
    public void WritesDeterministically()
    {
        using var folder = TestPaths.NewTempFolder();
        byte[] Write(string name, bool reverse)
        {
            var writer = new SafetensorsWriter();
            var entries = new[] { ("b", Values(8, 3)), ("a", Values(4, 4)), ("c", Values(2, 5)) };
            foreach (var (tensor, values) in reverse ? entries.Reverse() : entries)
                writer.Add(tensor, [values.Length], values, SafetensorsDType.BF16);
            writer.Write(folder.File(name));
            return File.ReadAllBytes(folder.File(name));
        }
        Assert.Equal(Write("one.safetensors", false), Write("two.safetensors", true));
    }

    [Fact]
    public void FillerTensorsAreWrittenInChunks()
    {
        using var folder = TestPaths.NewTempFolder();
        var writer = new SafetensorsWriter();
        const int count = (1 << 20) + 37;
        writer.Add("big", [count], SafetensorsDType.F32, (first, destination) =>
        {
            for (int i = 0; i < destination.Length; i++)
                destination[i] = first + i;
        });
        writer.Write(folder.File("model.safetensors"));
        using var checkpoint = SafetensorsCheckpoint.Open(folder.File("model.safetensors"));
        var values = checkpoint.ReadFloat32("big");
        Assert.Equal(count, values.Length);
        Assert.Equal(count - 1, values[^1]);
    }

    [Fact]
    public void ReadsShardedCheckpoints()
    {
        using var folder = TestPaths.NewTempFolder();
        var writer = new SafetensorsWriter();
        for (int i = 0; i < 5; i++)
            writer.Add($"t{i}", [16], Values(16, i), SafetensorsDType.F16);
        var shards = writer.WriteSharded(folder.Path, maxShardBytes: 64);
        Assert.Equal(3, shards.Count);
        Assert.EndsWith("model-00001-of-00003.safetensors", shards[0]);

        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);
        Assert.Equal(5, checkpoint.Tensors.Count);
        Assert.Equal(3, checkpoint.Files.Count);
        Assert.Equal((float)(Half)Values(16, 4)[3], checkpoint.ReadFloat32("t4")[3]);
    }

    [Fact]
    public void MissingShardIsNamed()
    {
        using var folder = TestPaths.NewTempFolder();
        var writer = new SafetensorsWriter();
        writer.Add("a", [4], Values(4, 1));
        writer.Add("b", [4], Values(4, 2));
        var shards = writer.WriteSharded(folder.Path, maxShardBytes: 16);
        File.Delete(shards[1]);
        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.Open(folder.Path));
        Assert.Contains("model-00002-of-00002.safetensors", error.Message);
        Assert.EndsWith(SafetensorsCheckpoint.IndexFileName, error.FilePath);
    }

    [Fact]
    public void UnsupportedDtypeNamesTensorAndFile()
    {
        using var folder = TestPaths.NewTempFolder();
        var writer = new SafetensorsWriter();
        writer.AddRaw("position_ids", SafetensorsDType.I64, [2], new byte[16]);
        string path = folder.File("model.safetensors");
        writer.Write(path);
        using var checkpoint = SafetensorsCheckpoint.Open(path);
        Assert.Equal(16, checkpoint.GetBytes("position_ids").Length);
        var error = Assert.Throws<NotSupportedException>(() => checkpoint.ReadFloat32("position_ids"));
        Assert.Contains("position_ids", error.Message);
        Assert.Contains(path, error.Message);
    }

    public static TheoryData<string, string> MalformedHeaders => new()
    {
        { """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", "needs 8" },
        { """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "overlaps" },
        { """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "duplicate" },
        { """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", "run past" },
        { """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "trailing" },
        { """{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}""", "unknown dtype" },
        { """{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", "non-negative" },
        { """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""", "not valid JSON" },
        { """[1,2]""", "not an object" },
    };

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public void RejectsMalformedHeaders(string header, string expected)
    {
        using var folder = TestPaths.NewTempFolder();
        string path = folder.File("bad.safetensors");
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + 8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.Open(path));
        Assert.Contains(expected, error.Message);
        Assert.Equal(path, error.FilePath);
    }

    [Fact]
    public void RejectsTruncatedAndAbsurdLengths()
    {
        using var folder = TestPaths.NewTempFolder();
        string tiny = folder.File("tiny.safetensors");
        File.WriteAllBytes(tiny, [1, 2, 3]);
        Assert.Contains("too short", Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.Open(tiny)).Message);

        string absurd = folder.File("absurd.safetensors");
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue / 2);
        File.WriteAllBytes(absurd, bytes);
        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.Open(absurd));
        Assert.Contains("absurd", error.Message);
        Assert.Equal(0, error.ByteOffset);

        // A valid file cut in half.
        var writer = new SafetensorsWriter();
        writer.Add("w", [64], Values(64, 9));
        string cut = folder.File("cut.safetensors");
        writer.Write(cut);
        var whole = File.ReadAllBytes(cut);
        File.WriteAllBytes(cut, whole[..(whole.Length / 2)]);
        Assert.Contains("run past", Assert.Throws<SafetensorsFormatException>(() => SafetensorsCheckpoint.Open(cut)).Message);
    }

    [Fact]
    public void BFloat16RoundsToNearestEven()
    {
        Assert.Equal(0x3F80, FloatConversion.SingleToBFloat16(1.0f));
        Assert.Equal(0x3F80, FloatConversion.SingleToBFloat16(BitConverter.Int32BitsToSingle(0x3F808000))); // tie → even
        Assert.Equal(0x3F82, FloatConversion.SingleToBFloat16(BitConverter.Int32BitsToSingle(0x3F818000))); // tie → even (up)
        Assert.Equal(0x3F81, FloatConversion.SingleToBFloat16(BitConverter.Int32BitsToSingle(0x3F808001)));
        Assert.True(float.IsNaN(FloatConversion.BFloat16ToSingle(FloatConversion.SingleToBFloat16(float.NaN))));
        Assert.Equal(-2.5f, FloatConversion.BFloat16ToSingle(FloatConversion.SingleToBFloat16(-2.5f)));
    }
}
