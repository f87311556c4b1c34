using System.Text;
using System.Text.Json;

namespace DynamicCot.Keyphrases.Data;

/// <summary>
/// An append-only JSONL file of results keyed by id, written one flushed line per result so that a run killed at
/// any moment loses at most the line being written, and a restarted run can skip every id already recorded.
/// </summary>
/// <remarks>
/// A kill can leave a last line without its newline (half written); <see cref="ReadExisting"/> ignores such a
/// line (that result is simply redone) and <see cref="Open"/> cuts it off, so that the next line is not glued to
/// it. A broken line anywhere else is real corruption and fails with file:line.
/// </remarks>
public sealed class AppendOnlyJournal : IDisposable
{
    private readonly StreamWriter _output;
    private readonly Lock _gate = new();

    private AppendOnlyJournal(StreamWriter output, string path)
    {
        _output = output;
        Path = path;
    }

    /// <summary>The journal file, as given.</summary>
    public string Path { get; }

    /// <summary>Opens (creating if needed) the journal for appending.</summary>
    public static AppendOnlyJournal Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var stream = new FileStream(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            stream.SetLength(CompleteLength(stream));
            stream.Seek(0, SeekOrigin.End);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        return new AppendOnlyJournal(new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" }, path);
    }

    /// <summary>
    /// Every complete line of an existing journal (none when the file does not exist), in file order, parsed by
    /// <paramref name="parse"/>. A later line for the same id replaces an earlier one.
    /// </summary>
    public static Dictionary<string, T> ReadExisting<T>(string path, Func<JsonLine, T> parse, Func<T, string> idOf)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(idOf);
        var byId = new Dictionary<string, T>(StringComparer.Ordinal);
        if (!File.Exists(path))
            return byId;
        var completeLines = CountCompleteLines(path);
        try
        {
            foreach (var line in JsonLines.Read(path))
            {
                if (line.LineNumber > completeLines)
                    break;
                var entry = parse(line);
                byId[idOf(entry)] = entry;
            }
        }
        catch (DatasetFormatException e) when (e.Line > completeLines)
        {
            // The unterminated fragment a kill left behind: not a result.
        }
        return byId;
    }

    /// <summary>Writes one JSON object as a line and flushes it to the operating system. Safe to call concurrently.</summary>
    public void Append(Action<Utf8JsonWriter> writeObjectBody)
    {
        ArgumentNullException.ThrowIfNull(writeObjectBody);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, DatasetWriter.LineOptions))
        {
            json.WriteStartObject();
            writeObjectBody(json);
            json.WriteEndObject();
        }
        var text = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        lock (_gate)
        {
            _output.Write(text);
            _output.Write('\n');
            _output.Flush();
        }
    }

    public void Dispose()
    {
        lock (_gate)
            _output.Dispose();
    }

    /// <summary>The length up to and including the last '\n': what remains once a half-written last line is cut off.</summary>
    private static long CompleteLength(FileStream stream)
    {
        Span<byte> chunk = stackalloc byte[4096];
        var end = stream.Length;
        while (end > 0)
        {
            var start = Math.Max(0, end - chunk.Length);
            stream.Seek(start, SeekOrigin.Begin);
            var part = chunk[..(int)(end - start)];
            stream.ReadExactly(part);
            var newline = part.LastIndexOf((byte)'\n');
            if (newline >= 0)
                return start + newline + 1;
            end = start;
        }
        return 0;
    }

    /// <summary>Lines terminated by '\n' (a final unterminated line is not complete).</summary>
    private static int CountCompleteLines(string path)
    {
        var count = 0;
        using var stream = File.OpenRead(path);
        Span<byte> chunk = stackalloc byte[8192];
        int read;
        while ((read = stream.Read(chunk)) > 0)
            count += chunk[..read].Count((byte)'\n');
        return count;
    }
}
