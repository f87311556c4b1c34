using System.Buffers.Binary;
using System.Text;
using DynamicCot.Gguf;
using DynamicCot.Llama.Native;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Gguf.Tests;

public class GgufMalformedTests
{
    /// <summary>Hand-assembles GGUF bytes, so each test can break exactly one thing.</summary>
    private sealed class Raw
    {
        private readonly MemoryStream _bytes = new();
        public Raw U32(uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); _bytes.Write(b); return this; }
        public Raw U64(ulong v) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); _bytes.Write(b); return this; }
        public Raw Str(string s) { var b = Encoding.UTF8.GetBytes(s); U64((ulong)b.Length); _bytes.Write(b); return this; }
        public Raw Bytes(int count, byte value = 0) { _bytes.Write(Enumerable.Repeat(value, count).ToArray()); return this; }
        public Raw Header(ulong tensors, ulong kvs, uint version = 3) => U32(GgufConstants.Magic).U32(version).U64(tensors).U64(kvs);
        public Raw KvU32(string key, uint v) => Str(key).U32((uint)GgufType.UInt32).U32(v);
        public Raw Tensor(string name, GgmlType type, ulong offset, params ulong[] dims)
        {
            Str(name).U32((uint)dims.Length);
            foreach (var d in dims) U64(d);
            return U32((uint)type).U64(offset);
        }
        public Raw PadTo(int alignment) => Bytes((int)((alignment - _bytes.Length % alignment) % alignment));
        public byte[] ToArray() => _bytes.ToArray();
    }

    public static TheoryData<string, byte[], string> Cases() => new()
    {
        { "empty file", [], "empty" },
        { "text file", Encoding.ASCII.GetBytes("{\"not\": \"gguf\"}\n"), "bad magic" },
        { "version 1", new Raw().Header(0, 0, version: 1).ToArray(), "v1" },
        { "big-endian", new Raw().Header(0, 0, version: 0x03000000).ToArray(), "big-endian" },
        { "version 4", new Raw().Header(0, 0, version: 4).ToArray(), "version 4" },
        { "header cut", new Raw().Header(0, 0).ToArray()[..20], "truncated" },
        { "huge kv count", new Raw().Header(0, ulong.MaxValue).ToArray(), "key-value count" },
        { "huge tensor count", new Raw().Header(long.MaxValue, 0).ToArray(), "tensor count" },
        { "string longer than file", new Raw().Header(0, 1).U64(1000).Bytes(20).ToArray(), "remaining bytes" },
        { "string above 1 GiB", new Raw().Header(0, 1).U64((1UL << 30) + 1).Bytes(20).ToArray(), "limit" },
        { "empty key", new Raw().Header(0, 1).Str("").U32(4).U32(1).ToArray(), "empty key" },
        { "duplicate key", new Raw().Header(0, 2).KvU32("a", 1).KvU32("a", 2).ToArray(), "duplicate metadata key 'a'" },
        { "unknown value type", new Raw().Header(0, 1).Str("k").U32(13).U32(0).ToArray(), "unknown value type 13" },
        { "array of unknown type", new Raw().Header(0, 1).Str("k").U32(9).U32(99).U64(1).U32(0).ToArray(), "unknown element type 99" },
        { "huge array", new Raw().Header(0, 1).Str("k").U32(9).U32(4).U64(1UL << 40).Bytes(16).ToArray(), "array elements" },
        { "huge string array", new Raw().Header(0, 1).Str("k").U32(9).U32(8).U64(1UL << 20).Bytes(64).ToArray(), "array elements" },
        { "alignment not pow2", new Raw().Header(0, 1).KvU32("general.alignment", 48).ToArray(), "power of two" },
        { "alignment wrong type", new Raw().Header(0, 1).Str("general.alignment").U32((uint)GgufType.Int32).U32(32).ToArray(), "must be uint32" },
        { "five dims", new Raw().Header(1, 0).Tensor("t", GgmlType.F32, 0, 1, 1, 1, 1, 1).PadTo(32).Bytes(32).ToArray(), "5 dimensions" },
        { "dims overflow", new Raw().Header(1, 0).Tensor("t", GgmlType.F32, 0, 1UL << 40, 1UL << 40).PadTo(32).Bytes(32).ToArray(), "overflows" },
        { "negative dim", new Raw().Header(1, 0).Tensor("t", GgmlType.F32, 0, ulong.MaxValue).PadTo(32).Bytes(32).ToArray(), "dimension 0" },
        { "removed ggml type", new Raw().Header(1, 0).Tensor("t", (GgmlType)4, 0, 32).PadTo(32).Bytes(32).ToArray(), "ggml type 4" },
        { "row not whole blocks", new Raw().Header(1, 0).Tensor("t", GgmlType.Q8_0, 0, 33).PadTo(32).Bytes(64).ToArray(), "block size" },
        { "name too long", new Raw().Header(1, 0).Tensor(new string('n', 64), GgmlType.F32, 0, 1).PadTo(32).Bytes(32).ToArray(), "limit of 63" },
        { "duplicate tensor", new Raw().Header(2, 0).Tensor("t", GgmlType.F32, 0, 1).Tensor("t", GgmlType.F32, 32, 1).PadTo(32).Bytes(64).ToArray(), "duplicate tensor name 't'" },
        { "misaligned offset", new Raw().Header(1, 0).Tensor("t", GgmlType.F32, 4, 1).PadTo(32).Bytes(32).ToArray(), "not a multiple of the alignment" },
        { "overlap", new Raw().Header(2, 0).Tensor("a", GgmlType.F32, 0, 16).Tensor("b", GgmlType.F32, 32, 16).PadTo(32).Bytes(128).ToArray(), "overlaps" },
        { "data past EOF", new Raw().Header(1, 0).Tensor("t", GgmlType.F32, 0, 1024).PadTo(32).Bytes(100).ToArray(), "past the end" },
        { "offset past EOF", new Raw().Header(1, 0).Tensor("t", GgmlType.F32, 1UL << 62, 1).PadTo(32).Bytes(100).ToArray(), "past the end" },
        { "no room for data section", new Raw().Header(1, 0).Tensor("t", GgmlType.F32, 0, 0).ToArray(), "before the data section" },
        { "deep nesting", DeeplyNested(), "deeper than" },
    };

    private static byte[] DeeplyNested()
    {
        var raw = new Raw().Header(0, 1).Str("k").U32((uint)GgufType.Array);
        for (var i = 0; i < 100; i++)
            raw.U32((uint)GgufType.Array).U64(1);
        return raw.ToArray();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MalformedFilesRaiseFormatErrorsNamingFileAndReason(string name, byte[] bytes, string reason)
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File(name.Replace(' ', '-') + ".gguf");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<GgufFormatException>(() => GgufFile.Open(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(reason, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.IsAssignableFrom<FormatException>(error);
    }

    [Fact]
    public void ErrorsCarryTheByteOffset()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("dup.gguf");
        var raw = new Raw().Header(0, 2).KvU32("a", 1).KvU32("a", 2).ToArray();
        File.WriteAllBytes(path, raw);
        var error = Assert.Throws<GgufFormatException>(() => GgufFile.Open(path));
        Assert.Equal(24 + 8 + 1 + 4 + 4, error.Offset);
        Assert.Contains($"byte {error.Offset}", error.Message);
    }

    [Fact]
    public void MissingFileIsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => GgufFile.Open(Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.gguf")));
}
