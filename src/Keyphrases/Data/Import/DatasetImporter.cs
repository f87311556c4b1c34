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

    /// <summary>
    /// Imports into <paramref name="outputPath"/>, all or nothing: a missing source creates no file, and a malformed
    /// source line leaves no partial dataset (an existing output keeps its content). Returns how many posts were written.
    /// </summary>
    public static int Import(DatasetImportFormat format, string sourcePath, string outputPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourcePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        if (!File.Exists(sourcePath))
            throw new FileNotFoundException($"{sourcePath}: no such source file", sourcePath);
        if (Path.GetFullPath(sourcePath) == Path.GetFullPath(outputPath))
            throw new ArgumentException($"The output must not be the source file ({sourcePath}): write to a new file.");
        var sourceFolder = Path.GetDirectoryName(Path.GetFullPath(sourcePath))!;
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        return DatasetWriter.WriteFile(outputPath, Read(format, sourcePath).Select((post, index) =>
        {
            if (!ids.TryAdd(post.Id, index + 1))
                throw new DatasetFormatException(sourcePath, 0, $"duplicate id \"{post.Id}\" (posts {ids[post.Id]} and {index + 1})");
            return post;
        }), sourceFolder);
    }
}
