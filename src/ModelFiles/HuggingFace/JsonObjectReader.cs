using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>
/// Typed, validating access to one JSON object of a Hugging Face file; every failure becomes an
/// <see cref="HfFileFormatException"/> naming the file and the dotted key path.
/// </summary>
internal sealed class JsonObjectReader
{
    private readonly string _prefix;

    public JsonObjectReader(string filePath, JsonObject node, string prefix = "")
    {
        FilePath = filePath;
        Node = node;
        _prefix = prefix;
    }

    public string FilePath { get; }

    public JsonObject Node { get; }

    /// <summary>Reads and parses a JSON file whose root must be an object.</summary>
    public static JsonObjectReader Load(string filePath)
    {
        string text;
        try
        {
            text = File.ReadAllText(filePath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new HfFileFormatException(filePath, null, "file not found", e);
        }
        return Parse(filePath, text);
    }

    public static JsonObjectReader Parse(string filePath, string text)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new HfFileFormatException(filePath, null, $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine}): {e.Message}", e);
        }
        return root is JsonObject obj ? new JsonObjectReader(filePath, obj) : throw new HfFileFormatException(filePath, null, "the root is not a JSON object");
    }

    public string KeyPath(string key) => _prefix.Length == 0 ? key : $"{_prefix}.{key}";

    public HfFileFormatException Error(string key, string reason) => new(FilePath, KeyPath(key), reason);

    public bool Has(string key) => Node[key] is not null;

    public JsonObjectReader? OptionalObject(string key) => Node[key] switch
    {
        null => null,
        JsonObject obj => new JsonObjectReader(FilePath, obj, KeyPath(key)),
        _ => throw Error(key, "must be an object"),
    };

    public JsonObjectReader RequireObject(string key) => OptionalObject(key) ?? throw Error(key, "is missing");

    public int RequireInt(string key) => OptionalInt(key) ?? throw Error(key, "is missing");

    public int? OptionalInt(string key)
    {
        var node = Node[key];
        if (node is null)
            return null;
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out int result))
            return result;
        if (node is JsonValue floating && floating.GetValueKind() == JsonValueKind.Number && floating.TryGetValue(out double real)
            && real == Math.Floor(real) && real is >= int.MinValue and <= int.MaxValue)
            return (int)real;
        throw Error(key, $"must be an integer, found {node.ToJsonString()}");
    }

    public int RequirePositiveInt(string key)
    {
        int value = RequireInt(key);
        return value > 0 ? value : throw Error(key, $"must be positive, found {value}");
    }

    public int? OptionalPositiveInt(string key)
    {
        int? value = OptionalInt(key);
        return value is null or > 0 ? value : throw Error(key, $"must be positive, found {value}");
    }

    public long? OptionalLong(string key)
    {
        var node = Node[key];
        if (node is null)
            return null;
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out long result))
            return result;
        if (node is JsonValue floating && floating.GetValueKind() == JsonValueKind.Number && floating.TryGetValue(out double real)
            && real == Math.Floor(real) && Math.Abs(real) < 9e18)
            return (long)real;
        throw Error(key, $"must be an integer, found {node.ToJsonString()}");
    }

    public double? OptionalDouble(string key)
    {
        var node = Node[key];
        if (node is null)
            return null;
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out double result))
            return result;
        throw Error(key, $"must be a number, found {node.ToJsonString()}");
    }

    public bool? OptionalBool(string key)
    {
        var node = Node[key];
        if (node is null)
            return null;
        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(key, $"must be true or false, found {node.ToJsonString()}"),
        };
    }

    public string? OptionalString(string key)
    {
        var node = Node[key];
        if (node is null)
            return null;
        return node is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : throw Error(key, $"must be a string, found {node.ToJsonString()}");
    }

    public string RequireString(string key) => OptionalString(key) ?? throw Error(key, "is missing");

    public IReadOnlyList<int>? OptionalIntArray(string key) => OptionalArray(key, (element, index) =>
        element is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out int result)
            ? result
            : throw Error($"{key}[{index}]", $"must be an integer, found {element?.ToJsonString() ?? "null"}"));

    public IReadOnlyList<double>? OptionalDoubleArray(string key) => OptionalArray(key, (element, index) =>
        element is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out double result)
            ? result
            : throw Error($"{key}[{index}]", $"must be a number, found {element?.ToJsonString() ?? "null"}"));

    public IReadOnlyList<string>? OptionalStringArray(string key) => OptionalArray(key, (element, index) =>
        element is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : throw Error($"{key}[{index}]", $"must be a string, found {element?.ToJsonString() ?? "null"}"));

    public IReadOnlyList<T>? OptionalArray<T>(string key, Func<JsonNode?, int, T> convert)
    {
        var node = Node[key];
        if (node is null)
            return null;
        if (node is not JsonArray array)
            throw Error(key, $"must be an array, found {node.ToJsonString()}");
        var result = new T[array.Count];
        for (int i = 0; i < array.Count; i++)
            result[i] = convert(array[i], i);
        return result;
    }
}

/// <summary>Shared settings for files this project writes: indented like the Hugging Face tools, non-ASCII kept readable.</summary>
internal static class HfJson
{
    public static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void WriteFile(string path, JsonNode node)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        File.WriteAllText(path, node.ToJsonString(WriteOptions) + "\n");
    }
}
