namespace DynamicCot.Keyphrases.Data;

/// <summary>
/// A file written in full or not at all: the content goes to a temporary file in the target's folder (same file
/// system, so the final rename is atomic), is flushed to disk, and only then replaces the target. A failure or an
/// exception part-way leaves the target as it was (absent, or the previous good version) and removes the temporary
/// file, so no command leaves a truncated output someone could go on to train on.
/// </summary>
public sealed class AtomicFileWriter : IDisposable
{
    private readonly FileStream _stream;
    private bool _committed;

    private AtomicFileWriter(string path, string temporaryPath, FileStream stream)
    {
        Path = path;
        TemporaryPath = temporaryPath;
        _stream = stream;
    }

    /// <summary>The file that <see cref="Commit"/> replaces (full path).</summary>
    public string Path { get; }

    /// <summary>Where the content is written until it is committed.</summary>
    public string TemporaryPath { get; }

    /// <summary>Write the content here; it becomes visible at <see cref="Path"/> only on <see cref="Commit"/>.</summary>
    public Stream Stream => _stream;

    /// <summary>Starts writing <paramref name="path"/>, creating its folder; nothing is visible there yet.</summary>
    public static AtomicFileWriter Create(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        // Hidden, unique per writer, and next to the target: two writers of one file never share a temporary file.
        var temporary = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024);
        return new AtomicFileWriter(full, temporary, stream);
    }

    /// <summary>Flushes the content to disk and moves it over the target.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(TemporaryPath, Path, overwrite: true);
        _committed = true;
    }

    /// <summary>Without a <see cref="Commit"/>, discards what was written.</summary>
    public void Dispose()
    {
        if (_committed)
            return;
        _stream.Dispose();
        try
        {
            File.Delete(TemporaryPath);
        }
        catch (IOException)
        {
            // Best effort: a leftover hidden .tmp file is harmless; the target is untouched either way.
        }
        _committed = true;
    }
}

/// <summary>Whole-file writes through <see cref="AtomicFileWriter"/>.</summary>
public static class AtomicFile
{
    private static readonly System.Text.UTF8Encoding Utf8NoBom = new(false);

    /// <summary>Writes <paramref name="write"/>'s output to <paramref name="path"/>, all or nothing.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var file = AtomicFileWriter.Create(path);
        write(file.Stream);
        file.Commit();
    }

    /// <summary>UTF-8 text without a byte-order mark, all or nothing.</summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        WriteAllBytes(path, Utf8NoBom.GetBytes(text));
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        using var file = AtomicFileWriter.Create(path);
        file.Stream.Write(bytes);
        file.Commit();
    }
}
