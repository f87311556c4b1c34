using DynamicCot.Keyphrases.Data;
using DynamicCot.Keyphrases.Data.Import;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Training;

/// <summary>A small training set from the real VMU posts (with their photos), with a rationale on some of them.</summary>
internal static class TrainingData
{
    public static string Write(TempFolder folder, int posts, bool images = true)
    {
        var path = folder.File("train.jsonl");
        var source = TestPaths.Data("vmu16_small_events", "data.jsonl");
        var selected = DatasetImporter.Read(DatasetImportFormat.Vmu, source)
            .Where(p => !images || p.Image is not null)
            .Take(posts)
            .Select((p, i) => p with
            {
                Image = images ? p.Image : null,
                // A short rationale on every other post, like the output of a teacher.
                Rationale = i % 2 == 0 ? $"The post talks about {string.Join(" and ", p.Keyphrases.Take(2))}." : null,
            });
        using var writer = new DatasetWriter(path);
        foreach (var post in selected)
            writer.Write(post, Path.GetDirectoryName(source)!);
        return path;
    }
}
