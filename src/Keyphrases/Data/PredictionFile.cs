using System.Text.Json;

namespace DynamicCot.Keyphrases.Data;

/// <summary>A model's ranked keyphrases for one post: one line <c>{"id": …, "keyphrases": [...]}</c>.</summary>
public sealed record KeyphrasePrediction(string Id, IReadOnlyList<string> Keyphrases);

/// <summary>Reads and writes prediction files (JSONL), strictly, with file:line errors.</summary>
public static class PredictionFile
{
    /// <summary>Reads every prediction keyed by id; unknown fields, duplicate ids and non-string keyphrases are errors.</summary>
    public static Dictionary<string, KeyphrasePrediction> ReadById(string path)
    {
        var byId = new Dictionary<string, KeyphrasePrediction>(StringComparer.Ordinal);
        var lineOf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in JsonLines.Read(path))
        {
            foreach (var property in line.Root.EnumerateObject())
            {
                if (property.Name is not ("id" or "keyphrases"))
                    throw line.Error($"unknown field \"{property.Name}\" (a prediction has \"id\" and \"keyphrases\")");
            }
            var id = line.RequiredString("id");
            if (string.IsNullOrWhiteSpace(id))
                throw line.Error("\"id\" must not be blank");
            if (!lineOf.TryAdd(id, line.LineNumber))
                throw line.Error($"duplicate prediction for id \"{id}\" (first on line {lineOf[id]})");
            byId[id] = new KeyphrasePrediction(id, line.RequiredStringArray("keyphrases"));
        }
        return byId;
    }

    /// <summary>Writes predictions in the given order, one line each, all or nothing (<see cref="AtomicFileWriter"/>).</summary>
    public static void Write(string path, IEnumerable<KeyphrasePrediction> predictions)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        using var file = AtomicFileWriter.Create(path);
        using (var output = new StreamWriter(file.Stream, new System.Text.UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\n" })
            WriteLines(output, predictions);
        file.Commit();
    }

    private static void WriteLines(StreamWriter output, IEnumerable<KeyphrasePrediction> predictions)
    {
        foreach (var prediction in predictions)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer, DatasetWriter.LineOptions))
            {
                json.WriteStartObject();
                json.WriteString("id", prediction.Id);
                json.WriteStartArray("keyphrases");
                foreach (var keyphrase in prediction.Keyphrases)
                    json.WriteStringValue(keyphrase);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        }
    }
}
