namespace DynamicCot.Keyphrases.Data.Import;

/// <summary>Converts a source file into the dataset format, streaming, and checks the result's ids are unique.</summary>
public static class DatasetImporter
{
    /// <summary>Reads <paramref name="sourcePath"/> in the given format; image paths relative to the source folder.</summary>
    public static IEnumerable<KeyphrasePost> Read(DatasetImportFormat format, string sourcePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourcePath);
        return format switch
        {
            DatasetImportFormat.Cmkp => SourceImporters.Cmkp(sourcePath),
            DatasetImportFormat.Vmu => SourceImporters.Vmu(sourcePath),
            DatasetImportFormat.Flickr => SourceImporters.Flickr(sourcePath),
            DatasetImportFormat.TextKp => SourceImporters.TextKeyphrases(sourcePath),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
        };
    }

    /// <summary>Imports into <paramref name="outputPath"/>; returns how many posts were written.</summary>
    public static int Import(DatasetImportFormat format, string sourcePath, string outputPath)
    {
        var sourceFolder = Path.GetDirectoryName(Path.GetFullPath(sourcePath))!;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        using var writer = new DatasetWriter(outputPath);
        foreach (var post in Read(format, sourcePath))
        {
            if (!ids.Add(post.Id))
                throw new DatasetFormatException(sourcePath, 0, $"duplicate id \"{post.Id}\"");
            writer.Write(post, sourceFolder);
        }
        return writer.Count;
    }
}
