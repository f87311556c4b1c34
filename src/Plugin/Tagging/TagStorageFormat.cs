using System.Text.Json;

namespace DynamicCot.Plugin.Tagging;

public enum TagStorage { Json, Csv }

/// <summary>
/// How a tags property stores its value: Umbraco's tags editor keeps a string, either a JSON array or the tags
/// joined by a delimiter (CSV), as its data type's <c>TagConfiguration</c> says. Order is kept both ways.
/// </summary>
public sealed record TagStorageFormat(TagStorage Storage, char Delimiter = ',')
{
    public static readonly TagStorageFormat Json = new(TagStorage.Json);
    public static readonly TagStorageFormat Csv = new(TagStorage.Csv);

    /// <summary>Umbraco treats a delimiter of <c>'\0'</c> (the configuration default) as a comma.</summary>
    public char EffectiveDelimiter => Delimiter == '\0' ? ',' : Delimiter;

    public string Encode(IEnumerable<string> tags)
    {
        var clean = tags.Select(t => t.Trim()).Where(t => t.Length > 0).ToArray();
        if (Storage == TagStorage.Json) return JsonSerializer.Serialize(clean);
        // CSV cannot hold the delimiter inside a tag (Umbraco's editor has the same limit): replace it with a space.
        return string.Join(EffectiveDelimiter, clean.Select(t => t.Replace(EffectiveDelimiter, ' ').Trim()));
    }

    /// <summary>Reads a stored value; tolerant of the other format, since data types can be switched after content exists.</summary>
    public IReadOnlyList<string> Decode(object? stored)
    {
        if (stored is null) return [];
        if (stored is string[] array) return Clean(array);
        var text = stored.ToString()?.Trim() ?? "";
        if (text.Length == 0) return [];
        if (text.StartsWith('['))
        {
            try { return Clean(JsonSerializer.Deserialize<string[]>(text) ?? []); }
            catch (JsonException) { /* not JSON after all: fall through to delimited text */ }
        }
        return Clean(text.Split(EffectiveDelimiter));
    }

    private static IReadOnlyList<string> Clean(IEnumerable<string> tags) =>
        tags.Select(t => t.Trim()).Where(t => t.Length > 0).ToArray();
}
