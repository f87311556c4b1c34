using System.Buffers.Binary;
using System.Text.Json;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>Produces the values of a tensor in chunks: fill <paramref name="destination"/> with elements starting at <paramref name="firstElement"/>.</summary>
public delegate void TensorFiller(long firstElement, Span<float> destination);

/// <summary>
/// Writes safetensors files deterministically: tensors sorted by name (ordinal) both in the header and in the data,
/// header JSON compact and padded with spaces to a multiple of 8 bytes (as the reference writer does, so the data
/// buffer starts aligned). Float data can be stored as F32, F16 or BF16.
/// </summary>
public sealed class SafetensorsWriter
{
    private const int ChunkElements = 1 << 20;

    private readonly SortedDictionary<string, PendingTensor> _tensors = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, string> _metadata = new(StringComparer.Ordinal);

    /// <param name="metadata">The <c>__metadata__</c> map; <c>{"format": "pt"}</c> when null, as PyTorch checkpoints have.</param>
    public SafetensorsWriter(IReadOnlyDictionary<string, string>? metadata = null)
    {
        foreach (var (key, value) in metadata ?? new Dictionary<string, string> { ["format"] = "pt" })
            _metadata[key] = value;
    }

    /// <summary>Total data bytes added so far.</summary>
    public long DataBytes => _tensors.Values.Sum(tensor => tensor.ByteLength);

    public int Count => _tensors.Count;

    /// <summary>Adds float32 values, stored as <paramref name="storeAs"/> (F32, F16 or BF16).</summary>
    public void Add(string name, IReadOnlyList<long> shape, ReadOnlyMemory<float> values, SafetensorsDType storeAs = SafetensorsDType.F32)
    {
        long count = CheckFloatTensor(name, shape, storeAs);
        if (values.Length != count)
            throw new ArgumentException($"tensor \"{name}\": shape [{string.Join(", ", shape)}] needs {count} values, got {values.Length}", nameof(values));
        AddPending(new PendingTensor(name, storeAs, shape.ToArray(), count, (first, destination) =>
            values.Span.Slice((int)first, destination.Length).CopyTo(destination)));
    }

    /// <summary>
    /// Adds a tensor whose values are produced on demand, chunk by chunk, while writing; lets multi-GiB
    /// checkpoints be written without holding them in memory. The filler may be called more than once per element
    /// range only if the tensor is written more than once.
    /// </summary>
    public void Add(string name, IReadOnlyList<long> shape, SafetensorsDType storeAs, TensorFiller fill)
    {
        long count = CheckFloatTensor(name, shape, storeAs);
        AddPending(new PendingTensor(name, storeAs, shape.ToArray(), count, fill));
    }

    /// <summary>Adds already-encoded little-endian bytes of any dtype.</summary>
    public void AddRaw(string name, SafetensorsDType dtype, IReadOnlyList<long> shape, ReadOnlyMemory<byte> bytes)
    {
        CheckName(name);
        long count = SafetensorsTensorInfo.ComputeElementCount(shape);
        if (bytes.Length != count * dtype.ElementSize())
            throw new ArgumentException($"tensor \"{name}\": shape [{string.Join(", ", shape)}] × {dtype.HeaderName()} needs {count * dtype.ElementSize()} bytes, got {bytes.Length}", nameof(bytes));
        AddPending(new PendingTensor(name, dtype, shape.ToArray(), count, null) { Raw = bytes });
    }

    /// <summary>Writes one file with every tensor added.</summary>
    public void Write(string path) => WriteFile(path, _tensors.Values.ToList());

    /// <summary>
    /// Writes <c>model-0000i-of-0000n.safetensors</c> shards of at most <paramref name="maxShardBytes"/> of data each
    /// (a larger tensor gets a shard of its own) plus <c>model.safetensors.index.json</c>; returns the shard paths.
    /// </summary>
    public IReadOnlyList<string> WriteSharded(string directory, long maxShardBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        Directory.CreateDirectory(directory);
        var shards = new List<List<PendingTensor>> { new() };
        long currentBytes = 0;
        foreach (var tensor in _tensors.Values)
        {
            if (shards[^1].Count > 0 && currentBytes + tensor.ByteLength > maxShardBytes)
            {
                shards.Add([]);
                currentBytes = 0;
            }
            shards[^1].Add(tensor);
            currentBytes += tensor.ByteLength;
        }

        var paths = new List<string>();
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < shards.Count; i++)
        {
            string fileName = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            string path = Path.Combine(directory, fileName);
            WriteFile(path, shards[i]);
            paths.Add(path);
            foreach (var tensor in shards[i])
                weightMap[tensor.Name] = fileName;
        }

        using var stream = File.Create(Path.Combine(directory, SafetensorsCheckpoint.IndexFileName));
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("metadata");
        json.WriteNumber("total_size", DataBytes);
        json.WriteEndObject();
        json.WriteStartObject("weight_map");
        foreach (var (name, file) in weightMap)
            json.WriteString(name, file);
        json.WriteEndObject();
        json.WriteEndObject();
        return paths;
    }

    private void WriteFile(string path, List<PendingTensor> tensors)
    {
        byte[] header = BuildHeader(tensors);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
            Directory.CreateDirectory(directory);

        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);

        var floats = new float[ChunkElements];
        var encoded = new byte[ChunkElements * 4];
        foreach (var tensor in tensors)
        {
            if (tensor.Fill is null)
            {
                stream.Write(tensor.Raw.Span);
                continue;
            }
            int elementSize = tensor.DType.ElementSize();
            for (long first = 0; first < tensor.ElementCount; first += ChunkElements)
            {
                int count = (int)Math.Min(ChunkElements, tensor.ElementCount - first);
                tensor.Fill(first, floats.AsSpan(0, count));
                var bytes = encoded.AsSpan(0, count * elementSize);
                FloatConversion.FromSingle(floats.AsSpan(0, count), tensor.DType, bytes);
                stream.Write(bytes);
            }
        }
    }

    private byte[] BuildHeader(List<PendingTensor> tensors)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (_metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in _metadata)
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var tensor in tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType.HeaderName());
                json.WriteStartArray("shape");
                foreach (var dimension in tensor.Shape)
                    json.WriteNumberValue(dimension);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.ByteLength;
            }
            json.WriteEndObject();
        }
        int padding = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < padding; i++)
            buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static long CheckFloatTensor(string name, IReadOnlyList<long> shape, SafetensorsDType storeAs)
    {
        CheckName(name);
        if (!storeAs.IsSupportedFloat())
            throw new NotSupportedException($"tensor \"{name}\": float values can be stored as F32, F16 or BF16, not {storeAs.HeaderName()}");
        foreach (var dimension in shape)
            ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(shape));
        return SafetensorsTensorInfo.ComputeElementCount(shape);
    }

    private static void CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == "__metadata__")
            throw new ArgumentException("\"__metadata__\" is reserved and cannot name a tensor", nameof(name));
    }

    private void AddPending(PendingTensor tensor)
    {
        if (!_tensors.TryAdd(tensor.Name, tensor))
            throw new ArgumentException($"tensor \"{tensor.Name}\" was already added", nameof(tensor));
    }

    private sealed record PendingTensor(string Name, SafetensorsDType DType, long[] Shape, long ElementCount, TensorFiller? Fill)
    {
        public ReadOnlyMemory<byte> Raw { get; init; }

        public long ByteLength => ElementCount * DType.ElementSize();
    }
}
