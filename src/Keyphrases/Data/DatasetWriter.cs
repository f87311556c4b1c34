using System.Text.Encodings.Web;
using System.Text.Json;

namespace DynamicCot.Keyphrases.Data;

/// <summary>
/// Writes the dataset format one post per line as it goes (no buffering of the whole set), with image paths
/// relative to the output file. <see cref="WriteFile"/> writes a whole dataset atomically (what every command output
/// uses); the constructor writes straight into the file, for fixtures and callers that own their file.
/// </summary>
public sealed class DatasetWriter : IDisposable
{
    /// <summary>Non-ASCII text stays readable in the file; JSONL is never embedded in HTML.</summary>
    internal static readonly JsonWriterOptions LineOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly StreamWriter _output;
    private readonly string _folder;

    public DatasetWriter(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        _folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(_folder);
        _output = new StreamWriter(full, append: false, new System.Text.UTF8Encoding(false)) { NewLine = "\n" };
        OutputPath = path;
    }

    private DatasetWriter(string path, Stream stream)
    {
        _folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        _output = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\n" };
        OutputPath = path;
    }

    /// <summary>
    /// Writes every post to <paramref name="path"/> all or nothing (<see cref="AtomicFileWriter"/>): when reading the
    /// posts fails part-way (a malformed source line), the file is not created, or keeps its previous content.
    /// </summary>
    /// <param name="imageBaseFolder">The folder the posts' image paths are relative to; null when they already are relative to <paramref name="path"/>.</param>
    /// <returns>How many posts were written.</returns>
    public static int WriteFile(string path, IEnumerable<KeyphrasePost> posts, string? imageBaseFolder = null)
    {
        ArgumentNullException.ThrowIfNull(posts);
        using var file = AtomicFileWriter.Create(path);
        int count;
        using (var writer = new DatasetWriter(path, file.Stream))
        {
            foreach (var post in posts)
            {
                if (imageBaseFolder is null)
                    writer.Write(post);
                else
                    writer.Write(post, imageBaseFolder);
            }
            count = writer.Count;
        }
        file.Commit();
        return count;
    }

    /// <summary>The file being written, as given.</summary>
    public string OutputPath { get; }

    public int Count { get; private set; }

    /// <summary>Writes a post whose <see cref="KeyphrasePost.Image"/> is already relative to the output file.</summary>
    public void Write(KeyphrasePost post) => WriteLine(post, post.Image);

    /// <summary>Writes a post whose image path is relative to <paramref name="imageBaseFolder"/>, rebasing it.</summary>
    public void Write(KeyphrasePost post, string imageBaseFolder)
    {
        ArgumentNullException.ThrowIfNull(post);
        var image = post.Image is null ? null : RelativeImagePath(Path.Combine(imageBaseFolder, post.Image));
        WriteLine(post, image);
    }

    /// <summary>The path of an image file relative to the output file, with forward slashes.</summary>
    public string RelativeImagePath(string imageFile) =>
        Path.GetRelativePath(_folder, Path.GetFullPath(imageFile)).Replace('\\', '/');

    public void Dispose() => _output.Dispose();

    private void WriteLine(KeyphrasePost post, string? image)
    {
        ArgumentNullException.ThrowIfNull(post);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, LineOptions))
        {
            json.WriteStartObject();
            json.WriteString("id", post.Id);
            json.WriteString("text", post.Text);
            if (image is not null)
                json.WriteString("image", image);
            json.WriteStartArray("keyphrases");
            foreach (var keyphrase in post.Keyphrases)
                json.WriteStringValue(keyphrase);
            json.WriteEndArray();
            if (post.Rationale is not null)
                json.WriteString("rationale", post.Rationale);
            if (post.Split is not null)
                json.WriteString("split", post.Split);
            json.WriteEndObject();
        }
        _output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        Count++;
    }
}
