using System.Text;

namespace DynamicCot.Gguf;

/// <summary>Where everything lands in a file <see cref="GgufWriter"/> would write.</summary>
/// <param name="DataOffset">Absolute offset of the data section.</param>
/// <param name="TensorOffsets">Per tensor, in insertion order, its offset relative to the data section.</param>
/// <param name="TotalBytes">Length of the whole file.</param>
public sealed record GgufLayout(long DataOffset, IReadOnlyList<ulong> TensorOffsets, long TotalBytes);

/// <summary>
/// Builds a GGUF v3 file: metadata and tensors are collected first, then written in one forward pass. Output is
/// deterministic (insertion order, no timestamps); offsets are 64-bit throughout; tensor data can come from memory or
/// from a callback that streams it, so files far larger than memory can be written. The layout matches llama.cpp's
/// writer: data section and every tensor padded to <c>general.alignment</c> (default 32) with zero bytes.
/// </summary>
public sealed class GgufWriter
{
    private readonly List<GgufKeyValue> _metadata = [];
    private readonly Dictionary<string, int> _keyIndex = new(StringComparer.Ordinal);
    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _tensorNames = new(StringComparer.Ordinal);

    private sealed record PendingTensor(string Name, GgmlType Type, ulong[] Dimensions, ulong ByteSize, ReadOnlyMemory<byte> Data, Action<Stream>? WriteData);

    public uint Alignment { get; private set; } = GgufConstants.DefaultAlignment;

    public int MetadataCount => _metadata.Count;

    public int TensorCount => _tensors.Count;

    /// <summary>Adds a metadata entry; the key must be new. <c>general.alignment</c> must be a power-of-two uint32.</summary>
    public GgufWriter Add(string key, GgufValue value)
    {
        ValidateEntry(key, value);
        if (_keyIndex.ContainsKey(key))
            throw new ArgumentException($"metadata key '{key}' was already added", nameof(key));
        _keyIndex[key] = _metadata.Count;
        _metadata.Add(new GgufKeyValue(key, value));
        ApplyAlignment(key, value);
        return this;
    }

    /// <summary>Adds the entry, or replaces the value of an existing key in place (its position is kept).</summary>
    public GgufWriter Set(string key, GgufValue value)
    {
        if (!_keyIndex.TryGetValue(key, out var index))
            return Add(key, value);
        ValidateEntry(key, value);
        _metadata[index] = new GgufKeyValue(key, value);
        ApplyAlignment(key, value);
        return this;
    }

    public GgufWriter AddString(string key, string value) => Add(key, GgufValue.String(value));
    public GgufWriter AddUInt32(string key, uint value) => Add(key, GgufValue.UInt32(value));
    public GgufWriter AddInt32(string key, int value) => Add(key, GgufValue.Int32(value));
    public GgufWriter AddUInt64(string key, ulong value) => Add(key, GgufValue.UInt64(value));
    public GgufWriter AddFloat32(string key, float value) => Add(key, GgufValue.Float32(value));
    public GgufWriter AddBool(string key, bool value) => Add(key, GgufValue.Bool(value));
    public GgufWriter AddArray<T>(string key, ReadOnlySpan<T> values) where T : unmanaged => Add(key, GgufValue.Array(values));
    public GgufWriter AddStrings(string key, IEnumerable<string> values) => Add(key, GgufValue.Strings(values));

    /// <summary>Adds a tensor whose bytes are in memory; their length must match the type and shape.</summary>
    /// <param name="dims">Dimensions in ggml order (ne0 first), 1 to 4 of them.</param>
    public GgufWriter AddTensor(string name, GgmlType type, ReadOnlySpan<ulong> dims, ReadOnlyMemory<byte> data)
    {
        var (copy, size) = ValidateTensor(name, type, dims);
        if ((ulong)data.Length != size)
            throw new ArgumentException($"tensor '{name}' ({GgmlTypeTraits.NameOf(type)} [{string.Join(", ", copy)}]) needs {size} bytes, got {data.Length}", nameof(data));
        return AddPending(new PendingTensor(name, type, copy, size, data, null));
    }

    /// <summary>
    /// Adds a tensor whose bytes are produced while the file is written: <paramref name="writeData"/> is called once,
    /// in tensor order, and must write exactly the size implied by the type and shape.
    /// </summary>
    public GgufWriter AddTensor(string name, GgmlType type, ReadOnlySpan<ulong> dims, Action<Stream> writeData)
    {
        ArgumentNullException.ThrowIfNull(writeData);
        var (copy, size) = ValidateTensor(name, type, dims);
        return AddPending(new PendingTensor(name, type, copy, size, ReadOnlyMemory<byte>.Empty, writeData));
    }

    /// <summary>Offsets and total length of the file, computed without writing tensor data.</summary>
    public GgufLayout ComputeLayout()
    {
        using var counter = new CountingStream();
        var dataOffset = WriteHeader(counter);
        var offsets = TensorOffsets();
        var end = _tensors.Count == 0 ? 0 : offsets[^1] + PadUp(_tensors[^1].ByteSize);
        return new GgufLayout(dataOffset, offsets, checked(dataOffset + (long)end));
    }

    /// <summary>
    /// Writes the file atomically: to a temporary file next to <paramref name="path"/>, renamed over it on success, so a
    /// failed or interrupted write never leaves a half-written GGUF behind.
    /// </summary>
    public void WriteTo(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        var temporary = fullPath + ".partial";
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None,
                BufferSize = 0, Options = FileOptions.SequentialScan,
            };
            using (var stream = new FileStream(temporary, options))
            {
                WriteTo(stream);
                stream.Flush(flushToDisk: false);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes the file to a forward-only stream (it is not sought, flushed at the end, and left open).</summary>
    public void WriteTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var writer = new GgufBinaryWriter(destination);
        WriteHeader(writer);
        foreach (var tensor in _tensors)
        {
            if (tensor.WriteData is { } callback)
                writer.WriteFromCallback((long)tensor.ByteSize, callback, tensor.Name);
            else
                writer.WriteBytes(tensor.Data.Span);
            writer.PadTo(Alignment);
        }
        writer.Flush();
        destination.Flush();
    }

    private long WriteHeader(Stream destination)
    {
        using var writer = new GgufBinaryWriter(destination);
        var dataOffset = WriteHeader(writer);
        writer.Flush();
        return dataOffset;
    }

    private long WriteHeader(GgufBinaryWriter writer)
    {
        writer.WriteUInt32(GgufConstants.Magic);
        writer.WriteUInt32(GgufConstants.Version);
        writer.WriteUInt64((ulong)_tensors.Count);
        writer.WriteUInt64((ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            writer.WriteString(key);
            writer.WriteUInt32((uint)value.Type);
            writer.WriteValue(value);
        }
        var offsets = TensorOffsets();
        for (var i = 0; i < _tensors.Count; i++)
        {
            var tensor = _tensors[i];
            writer.WriteString(tensor.Name);
            writer.WriteUInt32((uint)tensor.Dimensions.Length);
            foreach (var d in tensor.Dimensions)
                writer.WriteUInt64(d);
            writer.WriteUInt32((uint)tensor.Type);
            writer.WriteUInt64(offsets[i]);
        }
        // Always padded, also without tensors: that is what llama.cpp writes, so the bytes match its writer.
        writer.PadTo(Alignment);
        return writer.Position;
    }

    private ulong[] TensorOffsets()
    {
        var offsets = new ulong[_tensors.Count];
        ulong next = 0;
        for (var i = 0; i < _tensors.Count; i++)
        {
            offsets[i] = next;
            next = checked(next + PadUp(_tensors[i].ByteSize));
        }
        return offsets;
    }

    private ulong PadUp(ulong size) => checked(size + Alignment - 1) & ~((ulong)Alignment - 1);

    private GgufWriter AddPending(PendingTensor tensor)
    {
        _tensorNames.Add(tensor.Name);
        _tensors.Add(tensor);
        return this;
    }

    private (ulong[] Dims, ulong Size) ValidateTensor(string name, GgmlType type, ReadOnlySpan<ulong> dims)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var nameBytes = Encoding.UTF8.GetByteCount(name);
        if (nameBytes > GgufConstants.MaxTensorNameBytes)
            throw new ArgumentException($"tensor name '{name}' is {nameBytes} UTF-8 bytes; the limit is {GgufConstants.MaxTensorNameBytes} (GGML_MAX_NAME 64 with its NUL)", nameof(name));
        if (_tensorNames.Contains(name))
            throw new ArgumentException($"tensor '{name}' was already added", nameof(name));
        if (!GgmlTypeTraits.TryGet(type, out var traits))
            throw new ArgumentException($"tensor '{name}' has unknown ggml type {(int)type}", nameof(type));
        if (dims.Length is < 1 or > GgufConstants.MaxDimensions)
            throw new ArgumentException($"tensor '{name}' has {dims.Length} dimensions; 1 to {GgufConstants.MaxDimensions} are allowed", nameof(dims));
        var size = traits.TryGetByteSize(dims, out var reason)
            ?? throw new ArgumentException($"tensor '{name}': {reason}", nameof(dims));
        return (dims.ToArray(), size);
    }

    private static void ValidateEntry(string key, GgufValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        if ((ulong)Encoding.UTF8.GetByteCount(key) > GgufConstants.MaxStringBytes)
            throw new ArgumentException("metadata key is longer than 1 GiB", nameof(key));
        if (key == GgufConstants.AlignmentKey)
        {
            if (value.Type != GgufType.UInt32)
                throw new ArgumentException($"'{key}' must be uint32, got {value.DescribeType()}", nameof(value));
            var alignment = value.AsUInt32();
            if (alignment == 0 || (alignment & (alignment - 1)) != 0)
                throw new ArgumentException($"'{key}' must be a power of two, got {alignment}", nameof(value));
        }
        ValidateValue(key, value, depth: 0);
    }

    private static void ValidateValue(string key, GgufValue value, int depth)
    {
        if (!value.IsArray)
        {
            if (value.Type == GgufType.String && (ulong)Encoding.UTF8.GetByteCount(value.AsString()) > GgufConstants.MaxStringBytes)
                throw new ArgumentException($"metadata key '{key}' has a string above {GgufConstants.MaxStringBytes} bytes", nameof(value));
            return;
        }
        if ((ulong)value.Count > GgufConstants.MaxArrayElements)
            throw new ArgumentException($"metadata key '{key}' has {value.Count} array elements, above {GgufConstants.MaxArrayElements}", nameof(value));
        if (value.ElementType == GgufType.Array)
        {
            if (depth + 1 >= GgufConstants.MaxArrayNesting)
                throw new ArgumentException($"metadata key '{key}' nests arrays deeper than {GgufConstants.MaxArrayNesting} levels", nameof(value));
            foreach (var inner in value.AsSpan<GgufValue>())
                ValidateValue(key, inner, depth + 1);
        }
        else if (value.ElementType == GgufType.String)
        {
            foreach (var s in value.AsSpan<string>())
                if ((ulong)Encoding.UTF8.GetByteCount(s) > GgufConstants.MaxStringBytes)
                    throw new ArgumentException($"metadata key '{key}' has a string above {GgufConstants.MaxStringBytes} bytes", nameof(value));
        }
    }

    private void ApplyAlignment(string key, GgufValue value)
    {
        if (key == GgufConstants.AlignmentKey)
            Alignment = value.AsUInt32();
    }

    /// <summary>Discards what is written and counts it, for sizing the header without producing it.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
