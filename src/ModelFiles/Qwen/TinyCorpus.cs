using System.Text.Json;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>Text to learn a tiny model's tokenizer from: plain text files, or JSONL with a text field per line.</summary>
public static class TinyCorpus
{
    private static readonly string[] TextFields = ["text", "text_raw", "title", "rationale"];

    /// <summary>The fixture posts in <c>../shared/data</c> next to the working directory or the repository.</summary>
    public static string[] DefaultFiles()
    {
        string[] relative =
        [
            "cmkp_dev/train_sample200.jsonl", "vmu16_small_events/data.jsonl", "flickr10/data.jsonl", "text_kp/KPTimes_train_sample10.jsonl",
        ];
        foreach (var root in CandidateDataRoots())
        {
            var files = relative.Select(r => Path.Combine(root, r)).Where(File.Exists).ToArray();
            if (files.Length > 0)
                return files;
        }
        throw new FileNotFoundException("No tokenizer corpus given and ../shared/data was not found; pass --corpus FILE.");
    }

    private static IEnumerable<string> CandidateDataRoots()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                yield return Path.Combine(dir.FullName, "..", "shared", "data");
        }
    }

    public static IEnumerable<string> Read(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            if (!File.Exists(file))
                throw new FileNotFoundException($"Corpus file '{file}' does not exist.", file);
            var jsonl = file.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);
            var lineNumber = 0;
            foreach (var line in File.ReadLines(file))
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line))
                    continue;
                if (!jsonl)
                {
                    yield return line;
                    continue;
                }
                JsonDocument document;
                try
                {
                    document = JsonDocument.Parse(line);
                }
                catch (JsonException e)
                {
                    throw new InvalidDataException($"{file}:{lineNumber}: not valid JSON ({e.Message}).");
                }
                using (document)
                {
                    foreach (var field in TextFields)
                        if (document.RootElement.ValueKind == JsonValueKind.Object &&
                            document.RootElement.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String)
                            yield return value.GetString()!;
                }
            }
        }
    }
}
