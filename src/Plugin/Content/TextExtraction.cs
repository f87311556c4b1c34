using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DynamicCot.Plugin.Content;

/// <summary>Turns property values (plain text, rich-text HTML, the rich-text editor's JSON) into plain text for the model.</summary>
public static partial class TextExtraction
{
    public static string ToPlainText(object? value)
    {
        var text = value?.ToString();
        if (string.IsNullOrWhiteSpace(text)) return "";
        text = text.Trim();
        // The rich-text editor (Umbraco 14+) stores {"markup": "<p>…</p>", "blocks": …}.
        if (text.StartsWith('{'))
        {
            try
            {
                using var json = JsonDocument.Parse(text);
                if (json.RootElement.TryGetProperty("markup", out var markup) && markup.ValueKind == JsonValueKind.String)
                    text = markup.GetString() ?? "";
            }
            catch (JsonException) { /* not JSON: treat as text */ }
        }
        text = Tags().Replace(text, " ");
        return Spaces().Replace(WebUtility.HtmlDecode(text), " ").Trim();
    }

    public static string Join(IEnumerable<string> parts) => string.Join("\n", parts.Where(p => p.Length > 0));

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"[ \t\r\f\v]+")]
    private static partial Regex Spaces();
}
