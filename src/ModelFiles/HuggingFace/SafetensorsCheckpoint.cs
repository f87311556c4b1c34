using System.Text.Json;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>
/// The tensors of a Hugging Face checkpoint: one <c>.safetensors</c> file, or the shards listed by
/// <c>model.safetensors.index.json</c>. Files are memory-mapped; spans stay valid until disposal.
/// </summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    /// <summary>File name of a single-file checkpoint.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>File name of the index of a sharded checkpoint.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly Dictionary<string, (SafetensorsTensorInfo Info, SafetensorsFile File)> _byName;
    private readonly List<SafetensorsFile> _files;

    private SafetensorsCheckpoint(string sourcePath, List<SafetensorsFile> files)
    {
        SourcePath = sourcePath;
        _files = files;
        _byName = new Dictionary<string, (SafetensorsTensorInfo, SafetensorsFile)>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var tensor in file.Header.Tensors)
            {
                if (!_byName.TryAdd(tensor.Name, (tensor, file)))
                    throw new SafetensorsFormatException(file.FilePath, -1,
                        $"tensor \"{tensor.Name}\" is also in {_byName[tensor.Name].File.FilePath}");
            }
        }
        Tensors = _byName.Values.Select(entry => entry.Info).OrderBy(info => info.Name, StringComparer.Ordinal).ToArray();
    }

    /// <summary>The file, index or directory this checkpoint was opened from.</summary>
    public string SourcePath { get; }

    /// <summary>Every tensor, sorted by name (ordinal).</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The .safetensors files, in shard order.</summary>
    public IReadOnlyList<string> Files => _files.Select(file => file.FilePath).ToArray();

    /// <summary>The <c>__metadata__</c> of the first file (e.g. <c>format: pt</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata =>
        _files.Count > 0 ? _files[0].Header.Metadata : new Dictionary<string, string>();

    /// <summary>
    /// Opens a checkpoint. <paramref name="path"/> may be a directory (index preferred over <c>model.safetensors</c>),
    /// an index file (<c>*.index.json</c>) or a single <c>.safetensors</c> file.
    /// </summary>
    /// <exception cref="SafetensorsFormatException">A file is missing, malformed or inconsistent with the index.</exception>
    public static SafetensorsCheckpoint Open(string path)
    {
        path = Path.GetFullPath(path);
        if (Directory.Exists(path))
        {
            string index = Path.Combine(path, IndexFileName);
            if (File.Exists(index))
                return OpenSharded(index);
            string single = Path.Combine(path, SingleFileName);
            if (File.Exists(single))
                return OpenSingle(single);
            throw new SafetensorsFormatException(path, -1, $"directory has neither {IndexFileName} nor {SingleFileName}");
        }
        return path.EndsWith(".index.json", StringComparison.OrdinalIgnoreCase) ? OpenSharded(path) : OpenSingle(path);
    }

    private static SafetensorsCheckpoint OpenSingle(string file)
    {
        var opened = SafetensorsFile.Open(file);
        try
        {
            return new SafetensorsCheckpoint(file, [opened]);
        }
        catch
        {
            opened.Dispose();
            throw;
        }
    }

    private static SafetensorsCheckpoint OpenSharded(string indexPath)
    {
        var weightMap = ReadWeightMap(indexPath);
        string directory = Path.GetDirectoryName(indexPath)!;
        var shardNames = weightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var files = new List<SafetensorsFile>();
        try
        {
            foreach (var shardName in shardNames)
            {
                if (shardName.Contains('/') || shardName.Contains('\\') || shardName is "." or "..")
                    throw new SafetensorsFormatException(indexPath, -1, $"shard name \"{shardName}\" must be a plain file name");
                string shardPath = Path.Combine(directory, shardName);
                if (!File.Exists(shardPath))
                {
                    string example = weightMap.First(pair => pair.Value == shardName).Key;
                    throw new SafetensorsFormatException(indexPath, -1, $"shard file \"{shardName}\" (holding \"{example}\") is missing");
                }
                files.Add(SafetensorsFile.Open(shardPath));
            }

            foreach (var file in files)
            {
                string shardName = Path.GetFileName(file.FilePath);
                foreach (var tensor in file.Header.Tensors)
                {
                    if (!weightMap.TryGetValue(tensor.Name, out var mapped))
                        throw new SafetensorsFormatException(indexPath, -1, $"tensor \"{tensor.Name}\" of shard \"{shardName}\" is not in weight_map");
                    if (mapped != shardName)
                        throw new SafetensorsFormatException(indexPath, -1, $"weight_map puts \"{tensor.Name}\" in \"{mapped}\" but it is in \"{shardName}\"");
                }
            }

            var checkpoint = new SafetensorsCheckpoint(indexPath, files);
            foreach (var name in weightMap.Keys)
            {
                if (!checkpoint._byName.ContainsKey(name))
                    throw new SafetensorsFormatException(indexPath, -1, $"weight_map names \"{name}\" but shard \"{weightMap[name]}\" does not hold it");
            }
            return checkpoint;
        }
        catch
        {
            foreach (var file in files)
                file.Dispose();
            throw;
        }
    }

    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(indexPath);
        }
        catch (IOException e)
        {
            throw new SafetensorsFormatException(indexPath, -1, $"cannot read index: {e.Message}", e);
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new SafetensorsFormatException(indexPath, -1, "index has no \"weight_map\" object");
            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw new SafetensorsFormatException(indexPath, -1, $"weight_map entry \"{entry.Name}\" is not a file name string");
                if (!weightMap.TryAdd(entry.Name, entry.Value.GetString()!))
                    throw new SafetensorsFormatException(indexPath, -1, $"weight_map names \"{entry.Name}\" twice");
            }
            return weightMap;
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(indexPath, e.BytePositionInLine ?? -1, $"index is not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Header facts of a tensor.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name (the message names the checkpoint).</exception>
    public SafetensorsTensorInfo GetInfo(string name) => Lookup(name).Info;

    /// <summary>The stored bytes of a tensor, little-endian, in its stored dtype (no copy).</summary>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var (info, file) = Lookup(name);
        return file.GetBytes(info);
    }

    /// <summary>The values of an F32, F16 or BF16 tensor as float32, in row-major order.</summary>
    /// <exception cref="NotSupportedException">The tensor's dtype is not F32/F16/BF16 (the message names tensor and file).</exception>
    public float[] ReadFloat32(string name)
    {
        var info = GetInfo(name);
        if (info.ElementCount > Array.MaxLength)
            throw new NotSupportedException($"tensor \"{name}\" in {info.FilePath} has {info.ElementCount} elements, too many for one array");
        var values = new float[info.ElementCount];
        ReadFloat32(name, values);
        return values;
    }

    /// <summary>Decodes an F32, F16 or BF16 tensor into <paramref name="destination"/> (exactly its element count).</summary>
    public void ReadFloat32(string name, Span<float> destination)
    {
        var (info, file) = Lookup(name);
        if (!info.DType.IsSupportedFloat())
            throw new NotSupportedException($"tensor \"{name}\" in {info.FilePath} has dtype {info.DType.HeaderName()}; only F32, F16 and BF16 can be read as floats");
        if (destination.Length != info.ElementCount)
            throw new ArgumentException($"tensor \"{name}\" has {info.ElementCount} elements, destination holds {destination.Length}", nameof(destination));

        // Decode in chunks so tensors above 2 GiB of storage still work through int-sized spans.
        int elementSize = info.DType.ElementSize();
        const int chunkElements = 1 << 24;
        for (long start = 0; start < info.ElementCount; start += chunkElements)
        {
            int count = (int)Math.Min(chunkElements, info.ElementCount - start);
            var bytes = file.GetBytes(info, start * elementSize, count * elementSize);
            FloatConversion.ToSingle(bytes, info.DType, destination.Slice((int)start, count));
        }
    }

    /// <summary>Decodes elements [<paramref name="firstElement"/>, + destination length) of an F32, F16 or BF16 tensor.</summary>
    public void ReadFloat32(string name, long firstElement, Span<float> destination)
    {
        var (info, file) = Lookup(name);
        if (!info.DType.IsSupportedFloat())
            throw new NotSupportedException($"tensor \"{name}\" in {info.FilePath} has dtype {info.DType.HeaderName()}; only F32, F16 and BF16 can be read as floats");
        if (firstElement < 0 || firstElement + destination.Length > info.ElementCount)
            throw new ArgumentOutOfRangeException(nameof(firstElement), $"elements [{firstElement}, {firstElement + destination.Length}) are outside the {info.ElementCount} of \"{name}\"");
        int elementSize = info.DType.ElementSize();
        FloatConversion.ToSingle(file.GetBytes(info, firstElement * elementSize, destination.Length * elementSize), info.DType, destination);
    }

    /// <summary>
    /// Drops this process's mapping of a tensor's pages once it has been read (the page cache keeps them), so reading
    /// a checkpoint larger than memory tensor by tensor keeps the resident set at one tensor's worth.
    /// </summary>
    public void Release(string name)
    {
        var (info, file) = Lookup(name);
        file.Release(info);
    }

    private (SafetensorsTensorInfo Info, SafetensorsFile File) Lookup(string name) =>
        _byName.TryGetValue(name, out var entry)
            ? entry
            : throw new KeyNotFoundException($"{SourcePath}: no tensor named \"{name}\"");

    public void Dispose()
    {
        foreach (var file in _files)
            file.Dispose();
    }
}
