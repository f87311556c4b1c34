using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace DynamicCot.Gguf;

/// <summary>What <see cref="GgufHeaderParser"/> found before the tensor data.</summary>
internal sealed record GgufHeader(
    uint Version, GgufMetadata Metadata, uint Alignment, IReadOnlyList<GgufTensorInfo> Tensors,
    Dictionary<string, int> TensorIndexByName, long DataOffset);

/// <summary>
/// Parses and validates the part of a GGUF file before the tensor data. Every length and count read from the file is
/// checked against the bytes that remain before anything is allocated, so a hostile header cannot cause a large
/// allocation, a long loop or an out-of-range read.
/// </summary>
internal ref struct GgufHeaderParser
{
    // Smallest encodings, used to bound counts by the remaining bytes before allocating:
    // a key-value pair is a non-empty key (8 + 1), a type (4) and at least one value byte;
    // a tensor info is a non-empty name (8 + 1), n_dims (4), a type (4) and an offset (8).
    private const int MinKeyValueBytes = 8 + 1 + 4 + 1;
    private const int MinTensorInfoBytes = 8 + 1 + 4 + 4 + 8;
    private const int MinNestedArrayBytes = 4 + 8;

    private readonly ReadOnlySpan<byte> _bytes;
    private readonly string _path;
    private readonly long _fileLength;
    private int _position;

    /// <param name="bytes">The file's first bytes (all of it, or its first 2 GiB for larger files).</param>
    public GgufHeaderParser(ReadOnlySpan<byte> bytes, string path, long fileLength)
    {
        _bytes = bytes;
        _path = path;
        _fileLength = fileLength;
        _position = 0;
    }

    private readonly int Remaining => _bytes.Length - _position;

    public GgufHeader Parse()
    {
        var magic = ReadUInt32("magic");
        if (magic != GgufConstants.Magic)
            throw Fail(0, $"bad magic 0x{magic:X8} (expected \"GGUF\"); not a GGUF file");

        var version = ReadUInt32("version");
        if (version != 2 && version != GgufConstants.Version)
        {
            var hint = (version & 0xFFFF) == 0 ? " (a big-endian file?)" : version == 1 ? " (GGUF v1 is no longer supported)" : string.Empty;
            throw Fail(4, $"unsupported GGUF version {version}{hint}; only versions 2 and 3 are read");
        }

        var tensorCountAt = _position;
        var tensorCount = ReadUInt64("tensor count");
        var keyValueCountAt = _position;
        var keyValueCount = ReadUInt64("metadata key-value count");
        if (keyValueCount > (ulong)(Remaining / MinKeyValueBytes))
            throw Fail(keyValueCountAt, $"metadata key-value count {keyValueCount} cannot fit in the {Remaining} remaining bytes; the file is truncated or corrupt");
        if (tensorCount > (ulong)(Remaining / MinTensorInfoBytes))
            throw Fail(tensorCountAt, $"tensor count {tensorCount} cannot fit in the {Remaining} remaining bytes; the file is truncated or corrupt");

        var metadata = ReadMetadata((int)keyValueCount);
        var alignment = ReadAlignment(metadata);
        var (tensors, byName) = ReadTensorInfos((int)tensorCount);

        // The data section starts at the next multiple of the alignment, but only when there are tensors (as llama.cpp).
        long dataOffset = _position;
        if (tensors.Count > 0)
            dataOffset = AlignUp(dataOffset, alignment);
        if (dataOffset > _fileLength)
            throw Fail(_position, $"file ends at byte {_fileLength}, before the data section at byte {dataOffset}; the file is truncated");

        ValidateTensorPlacement(tensors, alignment, dataOffset);
        return new GgufHeader(version, metadata, alignment, tensors, byName, dataOffset);
    }

    private GgufMetadata ReadMetadata(int count)
    {
        var entries = new List<GgufKeyValue>(count);
        var indexByKey = new Dictionary<string, int>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var keyAt = _position;
            var key = ReadString($"key of metadata entry {i}");
            if (key.Length == 0)
                throw Fail(keyAt, $"metadata entry {i} has an empty key");
            if (!indexByKey.TryAdd(key, i))
                throw Fail(keyAt, $"duplicate metadata key '{key}'");
            var typeAt = _position;
            var type = (GgufType)ReadUInt32($"type of metadata key '{key}'");
            var value = ReadValue(type, typeAt, key, depth: 0);
            entries.Add(new GgufKeyValue(key, value));
        }
        return new GgufMetadata(_path, entries, indexByKey);
    }

    private readonly uint ReadAlignment(GgufMetadata metadata)
    {
        if (!metadata.TryGetValue(GgufConstants.AlignmentKey, out var value))
            return GgufConstants.DefaultAlignment;
        if (value.Type != GgufType.UInt32)
            throw Fail(null, $"'{GgufConstants.AlignmentKey}' is {value.DescribeType()}, must be uint32");
        var alignment = value.AsUInt32();
        if (alignment == 0 || (alignment & (alignment - 1)) != 0)
            throw Fail(null, $"'{GgufConstants.AlignmentKey}' is {alignment}, must be a power of two");
        return alignment;
    }

    private GgufValue ReadValue(GgufType type, int typeAt, string key, int depth)
    {
        switch (type)
        {
            case GgufType.UInt8: return GgufValue.UInt8(Take(1, key)[0]);
            case GgufType.Int8: return GgufValue.Int8((sbyte)Take(1, key)[0]);
            case GgufType.UInt16: return GgufValue.UInt16(BinaryPrimitives.ReadUInt16LittleEndian(Take(2, key)));
            case GgufType.Int16: return GgufValue.Int16(BinaryPrimitives.ReadInt16LittleEndian(Take(2, key)));
            case GgufType.UInt32: return GgufValue.UInt32(BinaryPrimitives.ReadUInt32LittleEndian(Take(4, key)));
            case GgufType.Int32: return GgufValue.Int32(BinaryPrimitives.ReadInt32LittleEndian(Take(4, key)));
            case GgufType.Float32: return GgufValue.Float32(BinaryPrimitives.ReadSingleLittleEndian(Take(4, key)));
            case GgufType.Bool: return GgufValue.Bool(Take(1, key)[0] != 0);
            case GgufType.UInt64: return GgufValue.UInt64(BinaryPrimitives.ReadUInt64LittleEndian(Take(8, key)));
            case GgufType.Int64: return GgufValue.Int64(BinaryPrimitives.ReadInt64LittleEndian(Take(8, key)));
            case GgufType.Float64: return GgufValue.Float64(BinaryPrimitives.ReadDoubleLittleEndian(Take(8, key)));
            case GgufType.String: return GgufValue.String(ReadString($"value of metadata key '{key}'"));
            case GgufType.Array: return ReadArray(key, depth);
            default: throw Fail(typeAt, $"metadata key '{key}' has unknown value type {(uint)type}");
        }
    }

    private GgufValue ReadArray(string key, int depth)
    {
        if (depth >= GgufConstants.MaxArrayNesting)
            throw Fail(_position, $"metadata key '{key}' nests arrays deeper than {GgufConstants.MaxArrayNesting} levels");
        var elementTypeAt = _position;
        var elementType = (GgufType)ReadUInt32($"array element type of metadata key '{key}'");
        var countAt = _position;
        var count = ReadUInt64($"array length of metadata key '{key}'");

        var minElementBytes = elementType switch
        {
            GgufType.String => 8,
            GgufType.Array => MinNestedArrayBytes,
            _ => GgufValue.FixedSizeOf(elementType),
        };
        if (minElementBytes == 0)
            throw Fail(elementTypeAt, $"metadata key '{key}' has an array of unknown element type {(uint)elementType}");
        if (count > GgufConstants.MaxArrayElements || count > (ulong)(Remaining / minElementBytes))
            throw Fail(countAt, $"metadata key '{key}' claims {count} array elements, more than the {Remaining} remaining bytes can hold; the file is truncated or corrupt");

        var n = (int)count;
        switch (elementType)
        {
            case GgufType.UInt8: return ReadFixedArray<byte>(n, elementType, key);
            case GgufType.Int8: return ReadFixedArray<sbyte>(n, elementType, key);
            case GgufType.UInt16: return ReadFixedArray<ushort>(n, elementType, key);
            case GgufType.Int16: return ReadFixedArray<short>(n, elementType, key);
            case GgufType.UInt32: return ReadFixedArray<uint>(n, elementType, key);
            case GgufType.Int32: return ReadFixedArray<int>(n, elementType, key);
            case GgufType.Float32: return ReadFixedArray<float>(n, elementType, key);
            case GgufType.UInt64: return ReadFixedArray<ulong>(n, elementType, key);
            case GgufType.Int64: return ReadFixedArray<long>(n, elementType, key);
            case GgufType.Float64: return ReadFixedArray<double>(n, elementType, key);
            case GgufType.Bool:
            {
                var raw = Take(n, key);
                var values = new bool[n];
                for (var i = 0; i < n; i++)
                    values[i] = raw[i] != 0;
                return GgufValue.WrapArray(GgufType.Bool, values);
            }
            case GgufType.String:
            {
                var values = new string[n];
                for (var i = 0; i < n; i++)
                    values[i] = ReadString($"element {i} of metadata key '{key}'");
                return GgufValue.WrapArray(GgufType.String, values);
            }
            default:
            {
                // Per the GGUF spec an element of an array of arrays is itself {element type, count, elements}, with no
                // extra type tag, since the outer array already says its elements are arrays.
                var values = new GgufValue[n];
                for (var i = 0; i < n; i++)
                    values[i] = ReadArray(key, depth + 1);
                return GgufValue.WrapArray(GgufType.Array, values);
            }
        }
    }

    private GgufValue ReadFixedArray<T>(int count, GgufType elementType, string key) where T : unmanaged
    {
        // Files are little-endian, as is every platform this project targets (linux-x64).
        var raw = Take(count * Marshal.SizeOf<T>(), key);
        return GgufValue.WrapArray(elementType, MemoryMarshal.Cast<byte, T>(raw).ToArray());
    }

    private (List<GgufTensorInfo>, Dictionary<string, int>) ReadTensorInfos(int count)
    {
        var tensors = new List<GgufTensorInfo>(count);
        var byName = new Dictionary<string, int>(count, StringComparer.Ordinal);
        Span<ulong> dims = stackalloc ulong[GgufConstants.MaxDimensions];
        for (var i = 0; i < count; i++)
        {
            var nameAt = _position;
            var name = ReadString($"name of tensor {i}");
            if (name.Length == 0)
                throw Fail(nameAt, $"tensor {i} has an empty name");
            var nameBytes = Encoding.UTF8.GetByteCount(name);
            if (nameBytes > GgufConstants.MaxTensorNameBytes)
                throw Fail(nameAt, $"tensor name '{name}' is {nameBytes} bytes, above the limit of {GgufConstants.MaxTensorNameBytes}");
            if (!byName.TryAdd(name, i))
                throw Fail(nameAt, $"duplicate tensor name '{name}'");

            var dimCountAt = _position;
            var dimCount = ReadUInt32($"dimension count of tensor '{name}'");
            if (dimCount > GgufConstants.MaxDimensions)
                throw Fail(dimCountAt, $"tensor '{name}' has {dimCount} dimensions, more than {GgufConstants.MaxDimensions}");
            var dimsAt = _position;
            for (var d = 0; d < dimCount; d++)
                dims[d] = ReadUInt64($"dimension {d} of tensor '{name}'");
            var tensorDims = dims[..(int)dimCount].ToArray();

            var typeAt = _position;
            var type = (GgmlType)ReadUInt32($"type of tensor '{name}'");
            if (!GgmlTypeTraits.TryGet(type, out var traits))
                throw Fail(typeAt, $"tensor '{name}' has unknown or removed ggml type {(int)type}");
            var byteSize = traits.TryGetByteSize(tensorDims, out var shapeProblem)
                ?? throw Fail(dimsAt, $"tensor '{name}': {shapeProblem}");

            var offset = ReadUInt64($"data offset of tensor '{name}'");
            tensors.Add(new GgufTensorInfo(i, name, type, tensorDims, offset, byteSize));
        }
        return (tensors, byName);
    }

    private readonly void ValidateTensorPlacement(List<GgufTensorInfo> tensors, uint alignment, long dataOffset)
    {
        var dataLength = (ulong)(_fileLength - dataOffset);
        foreach (var t in tensors)
        {
            if (t.Offset % alignment != 0)
                throw Fail(null, $"tensor '{t.Name}' data offset {t.Offset} is not a multiple of the alignment {alignment}");
            if (t.Offset > dataLength || t.ByteSize > dataLength - t.Offset)
                throw Fail(null, $"tensor '{t.Name}' data (offset {t.Offset}, {t.ByteSize} bytes from the data section at byte {dataOffset}) runs past the end of the file ({_fileLength} bytes); the file is truncated");
        }

        // Sorting by offset turns the overlap check into one comparison of neighbours.
        var byOffset = tensors.Where(t => t.ByteSize > 0).OrderBy(t => t.Offset).ToArray();
        for (var i = 1; i < byOffset.Length; i++)
        {
            var previous = byOffset[i - 1];
            if (previous.Offset + previous.ByteSize > byOffset[i].Offset)
                throw Fail(null, $"tensor '{byOffset[i].Name}' data at offset {byOffset[i].Offset} overlaps tensor '{previous.Name}' (offset {previous.Offset}, {previous.ByteSize} bytes)");
        }
    }

    private string ReadString(string what)
    {
        var lengthAt = _position;
        var length = ReadUInt64(what);
        if (length > GgufConstants.MaxStringBytes)
            throw Fail(lengthAt, $"{what}: string length {length} is above the limit of {GgufConstants.MaxStringBytes} bytes");
        if (length > (ulong)Remaining)
            throw Fail(lengthAt, $"{what}: string length {length} is more than the {Remaining} remaining bytes; the file is truncated or corrupt");
        return Encoding.UTF8.GetString(Take((int)length, what));
    }

    private uint ReadUInt32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what));

    private ulong ReadUInt64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count > Remaining)
            throw Truncated(what);
        var slice = _bytes.Slice(_position, count);
        _position += count;
        return slice;
    }

    private readonly GgufFormatException Truncated(string what) => _bytes.Length < _fileLength
        ? Fail(_position, $"{what}: the header is larger than {_bytes.Length} bytes, which is not supported")
        : Fail(_position, $"file is truncated: it ends at byte {_fileLength} while reading {what}");

    private readonly GgufFormatException Fail(long? offset, string reason) => new(_path, offset, reason);

    internal static long AlignUp(long value, uint alignment) => (value + alignment - 1) & ~((long)alignment - 1);
}
