using DynamicCot.Keyphrases.Data;

namespace DynamicCot.Inference.Images;

/// <summary>A post whose image cannot be used, located as <c>file:line</c>.</summary>
public sealed record DatasetImageProblem(string File, int Line, string PostId, string Image, string Reason)
{
    public override string ToString() => $"{File}:{Line}: post \"{PostId}\": image {Image}: {Reason}";
}

/// <summary>Where a dataset image check stands.</summary>
public sealed record DatasetImageCheckProgress(int Checked, int Total);

/// <summary>
/// Decodes every image a dataset names, before any long job (validation, training, evaluation) meets it: a text file
/// named <c>.jpg</c>, a 0-byte or truncated image, or one over the decoder's limits is reported with the dataset's
/// file and line and the post's id, every problem at once rather than the first one mid-run.
/// </summary>
public static class DatasetImageCheck
{
    /// <summary>Decodes each image with <paramref name="decoder"/> (its limits apply); returns the problems, in file order.</summary>
    public static Task<IReadOnlyList<DatasetImageProblem>> CheckAsync(
        string datasetPath, ImageDecoder decoder, IProgress<DatasetImageCheckProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        return CheckAsync(datasetPath, async (path, token) => await decoder.DecodeFileAsync(path, token).ConfigureAwait(false), progress, cancellationToken);
    }

    /// <summary>
    /// Checks each image with <paramref name="decode"/>, which throws for an unusable image (an
    /// <see cref="ImageDecodeException"/>, or an I/O error reading it). The dataset itself must be well-formed
    /// (its format errors throw, naming file and line, as <see cref="DatasetReader"/> does).
    /// </summary>
    public static async Task<IReadOnlyList<DatasetImageProblem>> CheckAsync(
        string datasetPath, Func<string, CancellationToken, Task> decode, IProgress<DatasetImageCheckProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(datasetPath);
        ArgumentNullException.ThrowIfNull(decode);
        var withImages = DatasetReader.ReadWithLines(datasetPath).Where(p => p.Post.Image is not null).ToList();
        var problems = new List<DatasetImageProblem>();
        var done = 0;
        progress?.Report(new DatasetImageCheckProgress(0, withImages.Count));
        foreach (var (post, line) in withImages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = DatasetReader.ImagePath(datasetPath, post)!;
            string? reason = null;
            if (!File.Exists(path))
                reason = $"not found (looked for {path})";
            else
            {
                try
                {
                    await decode(path, cancellationToken).ConfigureAwait(false);
                }
                catch (ImageDecodeException e)
                {
                    reason = e.Message;
                }
                catch (IOException e)
                {
                    reason = $"cannot be read: {e.Message}";
                }
                catch (UnauthorizedAccessException e)
                {
                    reason = $"cannot be read: {e.Message}";
                }
            }
            if (reason is not null)
                problems.Add(new DatasetImageProblem(datasetPath, line, post.Id, post.Image!, reason));
            progress?.Report(new DatasetImageCheckProgress(++done, withImages.Count));
        }
        return problems;
    }
}
