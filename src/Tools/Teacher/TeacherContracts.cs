namespace DynamicCot.Tools.Teacher;

/// <summary>What a teacher is asked about one post: its text, optional image and the gold keyphrases to explain.</summary>
/// <param name="PostId">For error messages and logs.</param>
/// <param name="Image">Encoded image bytes (JPEG, PNG, WebP or GIF), or null.</param>
public sealed record TeacherRequest(string PostId, string Text, TeacherImage? Image, IReadOnlyList<string> GoldKeyphrases);

/// <summary>An image as sent to a teacher: its bytes and MIME type.</summary>
public sealed record TeacherImage(ReadOnlyMemory<byte> Bytes, string MediaType, string Label);

/// <summary>
/// A teacher's successful reply (a paid request, if the teacher is a service): its rationale (null when it wrote
/// none), the keyphrases of its own answer, and the tokens it cost.
/// </summary>
public sealed record TeacherReply(string? Rationale, IReadOnlyList<string> Answer, int PromptTokens, int CompletionTokens, string RawOutput);

/// <summary>A vision-language model that writes rationales. Implementations are safe to call concurrently.</summary>
public interface ITeacherModel
{
    /// <summary>Short description for the run's summary (endpoint and model, or the GGUF file name).</summary>
    string Description { get; }

    /// <exception cref="TeacherRequestException">This post could not be answered (after any retries); other posts may still work.</exception>
    /// <exception cref="TeacherConfigurationException">No post can be answered (bad key, unknown model, unreachable endpoint URL).</exception>
    Task<TeacherReply> AskAsync(TeacherRequest request, CancellationToken cancellationToken);
}

/// <summary>One post's request failed for good (retries exhausted, or a non-retryable error such as HTTP 400).</summary>
public sealed class TeacherRequestException(string message, int attempts, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>How many times the request was sent.</summary>
    public int Attempts { get; } = attempts;
}

/// <summary>
/// The teacher cannot work at all (HTTP 401/403/404: a bad key, model or URL): the run stops instead of failing every
/// post. Reported by the CLI as bad input.
/// </summary>
public sealed class TeacherConfigurationException(string message) : ArgumentException(message), DynamicCot.Keyphrases.IUserFacingError;
