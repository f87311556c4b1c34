using System.Buffers.Binary;
using System.Text.Json;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>
/// The parsed and validated header of one .safetensors file.
/// Layout: an 8-byte little-endian length N, N bytes of UTF-8 JSON, then the data buffer.
/// The JSON maps tensor names to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (offsets relative to the data
/// buffer) plus an optional <c>"__metadata__"</c> string map.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>Headers larger than this are refused before allocating (the reference implementation uses the same bound).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private SafetensorsHeader(IReadOnlyList<SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata, long dataStart)
    {
        Tensors = tensors;
        Metadata = metadata;
        DataStart = dataStart;
    }

    /// <summary>Tensors in the order of their data offsets.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> entries (often <c>{"format": "pt"}</c>); empty when absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Absolute file offset where the data buffer starts (8 + header length).</summary>
    public long DataStart { get; }

    /// <summary>Reads and validates the header of <paramref name="filePath"/> without touching the tensor data.</summary>
    public static SafetensorsHeader Read(string filePath)
    {
        using var stream = OpenForRead(filePath);
        return Read(stream, filePath);
    }

    internal static FileStream OpenForRead(string filePath)
    {
        try
        {
            return new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        }
        catch (FileNotFoundException e)
        {
            throw new SafetensorsFormatException(filePath, -1, "file not found", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new SafetensorsFormatException(filePath, -1, "file not found", e);
        }
    }

    internal static SafetensorsHeader Read(FileStream stream, string filePath)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw new SafetensorsFormatException(filePath, 0, $"file is {fileLength} bytes, too short for the 8-byte header length");

        Span<byte> lengthBytes = stackalloc byte[8];
        stream.Position = 0;
        stream.ReadExactly(lengthBytes);
        ulong declared = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (declared > MaxHeaderBytes)
            throw new SafetensorsFormatException(filePath, 0, $"header length {declared} is absurd (limit {MaxHeaderBytes}); not a safetensors file?");
        if ((long)declared > fileLength - 8)
            throw new SafetensorsFormatException(filePath, 0, $"header length {declared} exceeds the {fileLength - 8} bytes after the length field (file truncated?)");

        var json = new byte[(int)declared];
        stream.ReadExactly(json);
        return Parse(filePath, json, fileLength);
    }

    /// <summary>Parses header JSON that was found at byte 8 of a file of <paramref name="fileLength"/> bytes.</summary>
    internal static SafetensorsHeader Parse(string filePath, ReadOnlySpan<byte> json, long fileLength)
    {
        long dataStart = 8 + json.Length;
        long dataLength = fileLength - dataStart;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            long at = 8 + (e.BytePositionInLine ?? 0);
            throw new SafetensorsFormatException(filePath, at, $"header is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new SafetensorsFormatException(filePath, 8, "header JSON is not an object");

            var tensors = new List<SafetensorsTensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new SafetensorsFormatException(filePath, 8, $"duplicate entry \"{property.Name}\" in header");
                if (property.Name == MetadataKey)
                {
                    ReadMetadata(filePath, property.Value, metadata);
                    continue;
                }
                tensors.Add(ReadTensor(filePath, property.Name, property.Value, dataStart, dataLength));
            }

            CheckCoverage(filePath, tensors, dataStart, dataLength);
            return new SafetensorsHeader(tensors, metadata, dataStart);
        }
    }

    private static void ReadMetadata(string filePath, JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(filePath, 8, "__metadata__ is not an object");
        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsFormatException(filePath, 8, $"__metadata__ entry \"{entry.Name}\" is not a string");
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static SafetensorsTensorInfo ReadTensor(string filePath, string name, JsonElement element, long dataStart, long dataLength)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(filePath, 8, $"tensor \"{name}\": entry is not an object");

        if (!element.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new SafetensorsFormatException(filePath, 8, $"tensor \"{name}\": missing or non-string \"dtype\"");
        string dtypeName = dtypeElement.GetString()!;
        if (!SafetensorsDTypes.TryParseHeaderName(dtypeName, out var dtype))
            throw new SafetensorsFormatException(filePath, 8, $"tensor \"{name}\": unknown dtype \"{dtypeName}\"");

        if (!element.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new SafetensorsFormatException(filePath, 8, $"tensor \"{name}\": missing or non-array \"shape\"");
        var shape = new List<long>();
        foreach (var dimension in shapeElement.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out long value) || value < 0)
                throw new SafetensorsFormatException(filePath, 8, $"tensor \"{name}\": shape entry {dimension.GetRawText()} is not a non-negative integer");
            shape.Add(value);
        }

        if (!element.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
            throw new SafetensorsFormatException(filePath, 8, $"tensor \"{name}\": \"data_offsets\" must be an array [begin, end]");
        if (!offsetsElement[0].TryGetInt64(out long begin) || !offsetsElement[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw new SafetensorsFormatException(filePath, 8, $"tensor \"{name}\": data_offsets {offsetsElement.GetRawText()} are not 0 <= begin <= end");
        if (end > dataLength)
            throw new SafetensorsFormatException(filePath, dataStart + begin,
                $"tensor \"{name}\": data_offsets [{begin}, {end}] run past the {dataLength}-byte data buffer (file truncated?)");

        long expectedBytes;
        try
        {
            expectedBytes = checked(SafetensorsTensorInfo.ComputeElementCount(shape) * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            throw new SafetensorsFormatException(filePath, 8, $"tensor \"{name}\": shape [{string.Join(", ", shape)}] overflows");
        }
        if (end - begin != expectedBytes)
            throw new SafetensorsFormatException(filePath, dataStart + begin,
                $"tensor \"{name}\": data_offsets [{begin}, {end}] hold {end - begin} bytes but shape [{string.Join(", ", shape)}] × {dtype.HeaderName()} needs {expectedBytes}");

        return new SafetensorsTensorInfo(name, dtype, shape, filePath, dataStart + begin, end - begin);
    }

    /// <summary>
    /// Like the reference implementation, the tensors must tile the data buffer exactly: no overlap, no hole, no
    /// trailing bytes. Anything else means a corrupted or hand-edited file.
    /// </summary>
    private static void CheckCoverage(string filePath, List<SafetensorsTensorInfo> tensors, long dataStart, long dataLength)
    {
        tensors.Sort((a, b) => a.DataOffset != b.DataOffset ? a.DataOffset.CompareTo(b.DataOffset) : a.ByteLength.CompareTo(b.ByteLength));
        long expected = dataStart;
        SafetensorsTensorInfo? previous = null;
        foreach (var tensor in tensors)
        {
            if (tensor.DataOffset < expected)
                throw new SafetensorsFormatException(filePath, tensor.DataOffset,
                    $"tensor \"{tensor.Name}\" overlaps tensor \"{previous!.Name}\"");
            if (tensor.DataOffset > expected)
                throw new SafetensorsFormatException(filePath, expected,
                    $"{tensor.DataOffset - expected} bytes before tensor \"{tensor.Name}\" belong to no tensor");
            expected = tensor.DataOffset + tensor.ByteLength;
            previous = tensor;
        }
        if (expected != dataStart + dataLength)
            throw new SafetensorsFormatException(filePath, expected,
                $"{dataStart + dataLength - expected} trailing bytes after the last tensor belong to no tensor");
    }
}
