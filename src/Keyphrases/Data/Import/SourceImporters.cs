namespace DynamicCot.Keyphrases.Data.Import;

/// <summary>
/// Readers for each source format. Each yields posts whose image path is relative to the source file's folder;
/// the writer rebases it onto the output file.
/// </summary>
internal static class SourceImporters
{
    public static IEnumerable<KeyphrasePost> Cmkp(string path)
    {
        if (path.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
            return CmkpLines(path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var split = SplitFromFileName(path);
        return JsonLines.Read(path).Select(line =>
        {
            var imageFile = line.OptionalString("image_file");
            // CMKP ships image URLs, not images; link the image only when it has been downloaded next to the file.
            var image = imageFile is not null && File.Exists(Path.Combine(folder, "images", imageFile)) ? $"images/{imageFile}" : null;
            return new KeyphrasePost(RequiredId(line), line.RequiredString("text"), image,
                DistinctNonBlank(line.RequiredStringArray("keyphrases")), Split: split);
        });
    }

    public static IEnumerable<KeyphrasePost> Vmu(string path) => JsonLines.Read(path).Select(line =>
        new KeyphrasePost(RequiredId(line), TweetText.ToCmkpStyle(line.RequiredString("text_raw")),
            line.OptionalString("image"), DistinctNonBlank(line.RequiredStringArray("gold_seg"))));

    public static IEnumerable<KeyphrasePost> Flickr(string path) => JsonLines.Read(path).Select(line =>
        new KeyphrasePost(RequiredId(line), line.RequiredString("title"), line.OptionalString("image"),
            DistinctNonBlank(line.RequiredStringArray("tags"))));

    public static IEnumerable<KeyphrasePost> TextKeyphrases(string path)
    {
        var split = SplitFromFileName(path);
        return JsonLines.Read(path).Select(line =>
        {
            // KPTimes keeps the headline apart; it is part of what an annotator read, so it leads the text.
            var title = line.OptionalString("title");
            var body = line.RequiredString("text");
            var text = string.IsNullOrWhiteSpace(title) ? body : title.Trim() + "\n" + body;
            return new KeyphrasePost(RequiredId(line), text, null, DistinctNonBlank(line.RequiredStringArray("keyphrases")), Split: split);
        });
    }

    /// <summary>Upstream CMKP <c>*_src.txt</c>: <c>tokenised text &lt;sep&gt; kp1;kp2</c>, ids from file name and line.</summary>
    private static IEnumerable<KeyphrasePost> CmkpLines(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no such file", path);
        var name = Path.GetFileNameWithoutExtension(path);
        var split = SplitFromFileName(path);
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var parts = line.Split("<sep>");
            if (parts.Length != 2)
                throw new DatasetFormatException(path, lineNumber, "expected \"text <sep> keyphrase;keyphrase\"");
            var keyphrases = DistinctNonBlank(parts[1].Split(';'));
            yield return new KeyphrasePost($"{name}-{lineNumber:D6}", parts[0].Trim(), null, keyphrases, Split: split);
        }
    }

    private static string RequiredId(JsonLine line)
    {
        var id = line.RequiredString("id");
        return string.IsNullOrWhiteSpace(id) ? throw line.Error("\"id\" must not be blank") : id;
    }

    /// <summary>Trimmed, blank ones dropped, exact repeats dropped (Inspec lists some keyphrases twice).</summary>
    private static List<string> DistinctNonBlank(IEnumerable<string> keyphrases) =>
        keyphrases.Select(k => k.Trim()).Where(k => k.Length > 0).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>"train", "valid"/"dev" or "test" when the file name starts with it (CMKP: valid.jsonl, train_*.txt).</summary>
    private static string? SplitFromFileName(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        if (name.StartsWith("train", StringComparison.Ordinal)) return "train";
        if (name.StartsWith("valid", StringComparison.Ordinal) || name.StartsWith("dev", StringComparison.Ordinal)) return "valid";
        if (name.StartsWith("test", StringComparison.Ordinal)) return "test";
        return null;
    }
}
