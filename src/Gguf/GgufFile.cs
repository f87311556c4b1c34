using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace DynamicCot.Gguf;

/// <summary>
/// A GGUF file opened for reading: header, metadata and tensor infos are parsed and validated up front; tensor data is
/// read in place through a read-only memory map, so opening a multi-GiB model costs only its header.
/// Malformed files raise <see cref="GgufFormatException"/>. Spans and pointers handed out are valid until disposal.
/// </summary>
public sealed unsafe class GgufFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly Dictionary<string, int> _tensorIndexByName;
    private byte* _base;

    private GgufFile(string path, long fileLength, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePointer, GgufHeader header)
    {
        Path = path;
        FileLength = fileLength;
        _map = map;
        _view = view;
        _base = basePointer;
        Version = header.Version;
        Metadata = header.Metadata;
        Alignment = header.Alignment;
        Tensors = header.Tensors;
        _tensorIndexByName = header.TensorIndexByName;
        DataOffset = header.DataOffset;
    }

    public string Path { get; }

    public long FileLength { get; }

    public uint Version { get; }

    public GgufMetadata Metadata { get; }

    /// <summary><c>general.alignment</c>, or 32 when the key is absent.</summary>
    public uint Alignment { get; }

    /// <summary>Tensor infos in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>Absolute byte offset of the data section (aligned when the file has tensors, as llama.cpp computes it).</summary>
    public long DataOffset { get; }

    /// <summary>Opens and validates <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="GgufFormatException">The file is not a valid GGUF file.</exception>
    public static GgufFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = System.IO.Path.GetFullPath(path);
        var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        var acquired = false;
        try
        {
            var length = stream.Length;
            // An empty file cannot be mapped; report it as what it is.
            if (length == 0)
                throw new GgufFormatException(fullPath, 0, "the file is empty (0 bytes); not a GGUF file");
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            acquired = true;
            pointer += view.PointerOffset;

            // The header is parsed from one span; a span is limited to 2 GiB, far beyond any real header.
            var headerBytes = new ReadOnlySpan<byte>(pointer, (int)Math.Min(length, int.MaxValue));
            var header = new GgufHeaderParser(headerBytes, fullPath, length).Parse();
            return new GgufFile(fullPath, length, map, view, pointer, header);
        }
        catch
        {
            if (acquired)
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    public bool TryGetTensor(string name, out GgufTensorInfo tensor)
    {
        if (_tensorIndexByName.TryGetValue(name, out var index))
        {
            tensor = Tensors[index];
            return true;
        }
        tensor = null!;
        return false;
    }

    /// <summary>The tensor called <paramref name="name"/>; throws <see cref="GgufKeyException"/> when absent.</summary>
    public GgufTensorInfo GetTensor(string name) => TryGetTensor(name, out var tensor)
        ? tensor
        : throw new GgufKeyException(Path, name, $"tensor '{name}' is not in the file");

    /// <summary>The tensor's bytes, in place. Tensors of 2 GiB or more need <see cref="GetTensorPointer"/>.</summary>
    public ReadOnlySpan<byte> GetTensorData(GgufTensorInfo tensor)
    {
        var pointer = GetTensorPointer(tensor);
        if (tensor.ByteSize > int.MaxValue)
            throw new NotSupportedException($"{Path}: tensor '{tensor.Name}' has {tensor.ByteSize} bytes, too many for a span; use {nameof(GetTensorPointer)} or {nameof(OpenTensorStream)}");
        return new ReadOnlySpan<byte>(pointer, (int)tensor.ByteSize);
    }

    public ReadOnlySpan<byte> GetTensorData(string name) => GetTensorData(GetTensor(name));

    /// <summary>Pointer to the tensor's first byte in the mapped file; valid until this object is disposed.</summary>
    public byte* GetTensorPointer(GgufTensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Index >= Tensors.Count || !ReferenceEquals(Tensors[tensor.Index], tensor))
            throw new ArgumentException($"tensor '{tensor.Name}' does not belong to {Path}", nameof(tensor));
        // Placement was validated when the file was opened, so this stays inside the mapping.
        return _base + DataOffset + (long)tensor.Offset;
    }

    /// <summary>A read-only stream over the tensor's bytes, for copying tensors of any size without a span.</summary>
    public Stream OpenTensorStream(GgufTensorInfo tensor)
    {
        var pointer = GetTensorPointer(tensor);
        return new UnmanagedMemoryStream(pointer, (long)tensor.ByteSize, (long)tensor.ByteSize, FileAccess.Read);
    }

    /// <summary>
    /// The tensor's elements as float32. F32, F16 and BF16 are converted here; quantized types are not (use ggml's
    /// dequantizers for those) and raise <see cref="NotSupportedException"/>.
    /// </summary>
    public float[] ReadFloat32(string name)
    {
        var tensor = GetTensor(name);
        if (tensor.Type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16))
            throw new NotSupportedException($"{Path}: tensor '{name}' is {tensor.TypeName}; {nameof(ReadFloat32)} converts only f32, f16 and bf16");
        if (tensor.ElementCount > (ulong)Array.MaxLength)
            throw new NotSupportedException($"{Path}: tensor '{name}' has {tensor.ElementCount} elements, too many for one array");
        var bytes = GetTensorData(tensor);
        var result = new float[(int)tensor.ElementCount];
        switch (tensor.Type)
        {
            case GgmlType.F32:
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(result);
                break;
            case GgmlType.F16:
                Float16Conversion.HalfToSingle(MemoryMarshal.Cast<byte, Half>(bytes), result);
                break;
            default:
                Float16Conversion.BFloat16ToSingle(MemoryMarshal.Cast<byte, ushort>(bytes), result);
                break;
        }
        return result;
    }

    public string GetString(string key) => Metadata.GetString(key);
    public uint GetUInt32(string key) => Metadata.GetUInt32(key);
    public int GetInt32(string key) => Metadata.GetInt32(key);
    public ulong GetUInt64(string key) => Metadata.GetUInt64(key);
    public float GetFloat32(string key) => Metadata.GetFloat32(key);
    public bool GetBool(string key) => Metadata.GetBool(key);
    public T[] GetArray<T>(string key) => Metadata.GetArray<T>(key);
    public bool TryGetString(string key, out string value) => Metadata.TryGetString(key, out value);
    public bool TryGetUInt32(string key, out uint value) => Metadata.TryGetUInt32(key, out value);
    public bool TryGetFloat32(string key, out float value) => Metadata.TryGetFloat32(key, out value);
    public bool TryGetArray<T>(string key, out T[] values) => Metadata.TryGetArray(key, out values);

    public void Dispose()
    {
        if (_base == null)
            return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
