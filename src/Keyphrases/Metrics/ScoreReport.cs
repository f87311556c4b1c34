using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DynamicCot.Keyphrases.Metrics;

/// <summary>The paper's score table: F1@1/3/5/M for all, present, absent and unseen keyphrases.</summary>
public sealed record ScoreReport(CategoryScore All, CategoryScore Present, CategoryScore Absent, CategoryScore Unseen)
{
    public CategoryScore this[KeyphraseCategory category] => category switch
    {
        KeyphraseCategory.All => All,
        KeyphraseCategory.Present => Present,
        KeyphraseCategory.Absent => Absent,
        KeyphraseCategory.Unseen => Unseen,
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, null),
    };

    /// <summary>A fraction as the percent the reports print: two decimals, midpoints away from zero.</summary>
    public static decimal ToPercent(double fraction) =>
        Math.Round((decimal)fraction * 100m, 2, MidpointRounding.AwayFromZero);

    /// <summary>
    /// One JSON object: <c>{"all":{"f1@1":…,"f1@3":…,"f1@5":…,"f1@M":…,"count":N},"present":{…},"absent":{…},"unseen":{…}}</c>,
    /// F1 in percent with exactly two decimals.
    /// </summary>
    public string ToJson(bool indented = false)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            json.WriteStartObject();
            foreach (var category in Enum.GetValues<KeyphraseCategory>())
            {
                var score = this[category];
                json.WriteStartObject(category.ToString().ToLowerInvariant());
                WritePercent(json, "f1@1", score.F1At1);
                WritePercent(json, "f1@3", score.F1At3);
                WritePercent(json, "f1@5", score.F1At5);
                WritePercent(json, "f1@M", score.F1AtM);
                json.WriteNumber("count", score.Count);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WritePercent(Utf8JsonWriter json, string name, double fraction)
    {
        json.WritePropertyName(name);
        // Raw so that 50 prints as 50.00: the two decimals are part of the documented format.
        json.WriteRawValue(ToPercent(fraction).ToString("F2", CultureInfo.InvariantCulture));
    }
}
