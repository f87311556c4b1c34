using System.Text.Json;
using System.Text.RegularExpressions;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Tagging;

namespace DynamicCot.Plugin.DemoHost;

/// <summary>
/// Fills an empty demo store from the fixture data: VMU 2016 tweets with their photos ("post", JSON tags) and Flickr
/// photos with their titles ("photo", CSV tags). Items start untagged; the dataset's own tags are kept as reference.
/// Most items are published; a few posts are in each other state an editor can leave an item in (see
/// <see cref="SeededStates"/>), so the page and the tests show that tagging keeps each state as it was.
/// </summary>
public static partial class DemoSeeder
{
    /// <summary>Posts (by position) left in a state other than published, with the draft and published tags they start with.</summary>
    public static readonly IReadOnlyDictionary<int, (PublishState State, string[] Draft, string[]? Published)> SeededStates =
        new Dictionary<int, (PublishState, string[], string[]?)>
        {
            [3] = (PublishState.NeverPublished, ["draft only"], null),
            [4] = (PublishState.Unpublished, ["taken offline"], null),
            [5] = (PublishState.PublishedWithPendingChanges, ["live tag", "pending edit"], ["live tag"]),
            [6] = (PublishState.Trashed, ["binned"], null),
        };

    public static int Seed(DemoContentStore store, string dataFolder)
    {
        if (store.Count() > 0) return 0;
        var seq = 0;
        foreach (var row in ReadJsonl(Path.Combine(dataFolder, "vmu16_small_events", "data.jsonl")))
        {
            var id = row.GetProperty("id").GetString()!;
            var text = Urls().Replace(row.GetProperty("text_raw").GetString() ?? "", "").Replace("\\n", "\n").Trim();
            var image = row.TryGetProperty("image", out var img) && img.GetString() is { Length: > 0 } i ? $"vmu16_small_events/{i}" : null;
            var reference = row.GetProperty("gold_norm").EnumerateArray().Select(t => t.GetString()!).ToList();
            var (state, draft, published) = SeededStates.TryGetValue(seq, out var special) ? special : (PublishState.Published, [], []);
            store.Insert(DemoContentStore.KeyFor(id), seq++, "post", Title(text), text, image, TagStorage.Json, reference, state, draft, published);
        }
        foreach (var row in ReadJsonl(Path.Combine(dataFolder, "flickr10", "data.jsonl")))
        {
            var id = row.GetProperty("id").GetString()!;
            var title = row.GetProperty("title").GetString() ?? "";
            var image = $"flickr10/{row.GetProperty("image").GetString()}";
            var reference = row.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToList();
            store.Insert(DemoContentStore.KeyFor(id), seq++, "photo", title, title, image, TagStorage.Csv, reference);
        }
        return seq;
    }

    private static string Title(string text)
    {
        var line = text.Split('\n')[0];
        return line.Length <= 60 ? line : line[..57] + "…";
    }

    private static IEnumerable<JsonElement> ReadJsonl(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Demo data file '{path}' is missing (set Demo:DataFolder).", path);
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonElement element;
            try { element = JsonDocument.Parse(line).RootElement; }
            catch (JsonException ex) { throw new InvalidDataException($"{path}:{lineNumber}: not a JSON object ({ex.Message})", ex); }
            yield return element;
        }
    }

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex Urls();
}
