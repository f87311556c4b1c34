using System.Text.Json;

namespace DynamicCot.Keyphrases.Data;

/// <summary>One parsed non-blank line of a JSONL file, with where it came from for error messages.</summary>
public sealed class JsonLine(string file, int lineNumber, JsonElement root)
{
    public string File { get; } = file;

    public int LineNumber { get; } = lineNumber;

    public JsonElement Root { get; } = root;

    public DatasetFormatException Error(string problem) => new(File, LineNumber, problem);

    /// <summary>A required string property.</summary>
    public string RequiredString(string name)
    {
        if (!Root.TryGetProperty(name, out var value))
            throw Error($"missing required field \"{name}\"");
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw Error($"\"{name}\" must be a string, not {Describe(value)}");
    }

    /// <summary>An optional string property; null when absent or JSON null.</summary>
    public string? OptionalString(string name)
    {
        if (!Root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw Error($"\"{name}\" must be a string, not {Describe(value)}");
    }

    /// <summary>A required array of strings.</summary>
    public List<string> RequiredStringArray(string name)
    {
        if (!Root.TryGetProperty(name, out var value))
            throw Error($"missing required field \"{name}\"");
        if (value.ValueKind != JsonValueKind.Array)
            throw Error($"\"{name}\" must be an array of strings, not {Describe(value)}");
        var items = new List<string>(value.GetArrayLength());
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw Error($"\"{name}\"[{index}] must be a string, not {Describe(item)}");
            items.Add(item.GetString()!);
            index++;
        }
        return items;
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}

/// <summary>
/// Streams a JSONL file as parsed objects, one per non-blank line, failing with file:line on bad JSON. A line's
/// <see cref="JsonLine.Root"/> is valid only until the enumeration moves on (its document is then disposed).
/// </summary>
public static class JsonLines
{
    public static IEnumerable<JsonLine> Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!System.IO.File.Exists(path))
            throw new FileNotFoundException($"{path}: no such file", path);
        return ReadExisting(path);
    }

    private static IEnumerable<JsonLine> ReadExisting(string path)
    {
        var lineNumber = 0;
        foreach (var text in System.IO.File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(text))
                continue;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(text);
            }
            catch (JsonException e)
            {
                throw new DatasetFormatException(path, lineNumber, $"not valid JSON ({e.Message})", e);
            }
            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    throw new DatasetFormatException(path, lineNumber, "each line must be one JSON object");
                yield return new JsonLine(path, lineNumber, document.RootElement);
            }
        }
    }
}
