using System.Collections;

namespace DynamicCot.Gguf;

/// <summary>One metadata entry, in file order.</summary>
public readonly record struct GgufKeyValue(string Key, GgufValue Value);

/// <summary>
/// The metadata of one GGUF file: keys in file order, lookup by key, and typed getters whose errors name the key and
/// the file.
/// </summary>
public sealed class GgufMetadata : IReadOnlyList<GgufKeyValue>
{
    private readonly List<GgufKeyValue> _entries;
    private readonly Dictionary<string, int> _indexByKey;

    internal GgufMetadata(string source, List<GgufKeyValue> entries, Dictionary<string, int> indexByKey)
    {
        Source = source;
        _entries = entries;
        _indexByKey = indexByKey;
    }

    /// <summary>The file these entries came from (used in error messages).</summary>
    public string Source { get; }

    public int Count => _entries.Count;

    public GgufKeyValue this[int index] => _entries[index];

    /// <summary>The value of <paramref name="key"/>; throws <see cref="GgufKeyException"/> when absent.</summary>
    public GgufValue this[string key] => TryGetValue(key, out var value)
        ? value
        : throw new GgufKeyException(Source, key, $"metadata key '{key}' is missing");

    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    public bool ContainsKey(string key) => _indexByKey.ContainsKey(key);

    public bool TryGetValue(string key, out GgufValue value)
    {
        if (_indexByKey.TryGetValue(key, out var index))
        {
            value = _entries[index].Value;
            return true;
        }
        value = null!;
        return false;
    }

    public string GetString(string key) => Get(key, GgufType.String).AsString();
    public uint GetUInt32(string key) => Get(key, GgufType.UInt32).AsUInt32();
    public int GetInt32(string key) => Get(key, GgufType.Int32).AsInt32();
    public ulong GetUInt64(string key) => Get(key, GgufType.UInt64).AsUInt64();
    public long GetInt64(string key) => Get(key, GgufType.Int64).AsInt64();
    public float GetFloat32(string key) => Get(key, GgufType.Float32).AsFloat32();
    public double GetFloat64(string key) => Get(key, GgufType.Float64).AsFloat64();
    public bool GetBool(string key) => Get(key, GgufType.Bool).AsBool();

    /// <summary>A copy of an array value; <typeparamref name="T"/> must match the element type (string for string arrays).</summary>
    public T[] GetArray<T>(string key)
    {
        var value = this[key];
        if (!value.IsArrayOf<T>())
            throw WrongType(key, value, $"array of {typeof(T).Name}");
        return value.AsSpan<T>().ToArray();
    }

    public bool TryGetString(string key, out string value) => TryGet(key, GgufType.String, v => v.AsString(), out value);
    public bool TryGetUInt32(string key, out uint value) => TryGet(key, GgufType.UInt32, v => v.AsUInt32(), out value);
    public bool TryGetInt32(string key, out int value) => TryGet(key, GgufType.Int32, v => v.AsInt32(), out value);
    public bool TryGetUInt64(string key, out ulong value) => TryGet(key, GgufType.UInt64, v => v.AsUInt64(), out value);
    public bool TryGetFloat32(string key, out float value) => TryGet(key, GgufType.Float32, v => v.AsFloat32(), out value);
    public bool TryGetBool(string key, out bool value) => TryGet(key, GgufType.Bool, v => v.AsBool(), out value);

    /// <summary>
    /// False when the key is absent; throws <see cref="GgufKeyException"/> when it is present with another type, so a
    /// wrong file is not mistaken for a missing optional value.
    /// </summary>
    public bool TryGetArray<T>(string key, out T[] values)
    {
        if (!TryGetValue(key, out var value))
        {
            values = [];
            return false;
        }
        if (!value.IsArrayOf<T>())
            throw WrongType(key, value, $"array of {typeof(T).Name}");
        values = value.AsSpan<T>().ToArray();
        return true;
    }

    private bool TryGet<T>(string key, GgufType expected, Func<GgufValue, T> read, out T value)
    {
        if (!TryGetValue(key, out var raw))
        {
            value = default!;
            return false;
        }
        if (raw.Type != expected)
            throw WrongType(key, raw, GgufValue.TypeName(expected));
        value = read(raw);
        return true;
    }

    private GgufValue Get(string key, GgufType expected)
    {
        var value = this[key];
        return value.Type == expected ? value : throw WrongType(key, value, GgufValue.TypeName(expected));
    }

    private GgufKeyException WrongType(string key, GgufValue value, string expected) =>
        new(Source, key, $"metadata key '{key}' is {value.DescribeType()}, expected {expected}");

    public IEnumerator<GgufKeyValue> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
