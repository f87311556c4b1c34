namespace DynamicCot.Keyphrases.Data;

/// <summary>
/// Reads the dataset format (JSONL, one <see cref="KeyphrasePost"/> per line) as a stream, strictly: unknown
/// fields, wrong types, blank ids or keyphrases, duplicate ids, absolute or escaping image paths and posts with
/// neither text nor image are errors naming file and line, so that a typo ("keyphrase") cannot silently
/// produce an empty gold set.
/// </summary>
public static class DatasetReader
{
    /// <summary>The fields a post line may have.</summary>
    public static readonly IReadOnlySet<string> Fields =
        new HashSet<string>(StringComparer.Ordinal) { "id", "text", "image", "keyphrases", "rationale", "split" };

    /// <param name="path">The JSONL file.</param>
    /// <param name="requireImagesExist">Also fail when a post's image file is missing.</param>
    public static IEnumerable<KeyphrasePost> Read(string path, bool requireImagesExist = false) =>
        ReadWithLines(path, requireImagesExist).Select(p => p.Post);

    /// <summary>Like <see cref="Read"/>, with each post's 1-based line number (for file:line messages about it).</summary>
    public static IEnumerable<(KeyphrasePost Post, int Line)> ReadWithLines(string path, bool requireImagesExist = false)
    {
        var lines = JsonLines.Read(path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return ReadLines(lines, folder, requireImagesExist);
    }

    /// <summary>Reads the whole file; convenient for small files and for code that needs random access.</summary>
    public static List<KeyphrasePost> ReadAll(string path, bool requireImagesExist = false) => [.. Read(path, requireImagesExist)];

    /// <summary>The absolute path of a post's image, given the dataset file it came from.</summary>
    public static string? ImagePath(string datasetPath, KeyphrasePost post)
    {
        ArgumentNullException.ThrowIfNull(post);
        return post.Image is null
            ? null
            : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(datasetPath))!, post.Image));
    }

    private static IEnumerable<(KeyphrasePost Post, int Line)> ReadLines(IEnumerable<JsonLine> lines, string folder, bool requireImagesExist)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            foreach (var property in line.Root.EnumerateObject())
            {
                if (!Fields.Contains(property.Name))
                    throw line.Error($"unknown field \"{property.Name}\" (allowed: {string.Join(", ", Fields)})");
            }

            var id = line.RequiredString("id");
            if (string.IsNullOrWhiteSpace(id))
                throw line.Error("\"id\" must not be blank");
            if (!ids.TryAdd(id, line.LineNumber))
                throw line.Error($"duplicate id \"{id}\" (first on line {ids[id]})");

            var text = line.RequiredString("text");
            var image = line.OptionalString("image");
            if (image is not null)
                ValidateImage(line, image, folder, requireImagesExist);
            if (string.IsNullOrWhiteSpace(text) && image is null)
                throw line.Error($"post \"{id}\" has neither text nor image");

            var keyphrases = line.RequiredStringArray("keyphrases");
            for (var i = 0; i < keyphrases.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(keyphrases[i]))
                    throw line.Error($"\"keyphrases\"[{i}] is blank");
            }

            var rationale = line.OptionalString("rationale");
            if (rationale is not null)
                rationale = RationaleText.Extract(rationale, reason => line.Error($"\"rationale\" {reason}"));
            var split = line.OptionalString("split");
            if (split is not null && string.IsNullOrWhiteSpace(split))
                throw line.Error("\"split\" must not be blank (leave it out instead)");

            yield return (new KeyphrasePost(id, text, image, keyphrases, rationale, split), line.LineNumber);
        }
    }

    private static void ValidateImage(JsonLine line, string image, string folder, bool requireExists)
    {
        if (string.IsNullOrWhiteSpace(image))
            throw line.Error("\"image\" must not be blank (leave it out instead)");
        if (Path.IsPathRooted(image))
            throw line.Error($"\"image\" must be relative to the dataset file, not absolute: {image}");
        var full = Path.GetFullPath(Path.Combine(folder, image));
        if (requireExists && !File.Exists(full))
            throw line.Error($"image not found: {image} (looked for {full})");
    }
}
