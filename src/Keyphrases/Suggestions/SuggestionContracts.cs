namespace DynamicCot.Keyphrases.Suggestions;

/// <summary>Whether the model may write a rationale (<c>&lt;think&gt;…&lt;/think&gt;</c>) before its answer.</summary>
public enum ThinkingMode
{
    /// <summary>The fine-tuned model decides (Dynamic CoT): it thinks when the post is hard.</summary>
    Auto,
    /// <summary>Answer directly (fastest; bulk jobs).</summary>
    Off,
    /// <summary>Think at most <see cref="SuggestionOptions.MaxThinkingTokens"/> tokens, then answer.</summary>
    Capped,
    /// <summary>Always reason before answering: the think block must hold text.</summary>
    On,
}

/// <summary>Sampling settings. Greedy (temperature 0) unless asked otherwise, so results are reproducible.</summary>
public sealed record SamplingOptions
{
    public float Temperature { get; init; }
    public float TopP { get; init; } = 1f;
    public int TopK { get; init; }
    public uint Seed { get; init; } = 42;
    public bool IsGreedy => Temperature <= 0f;
}

/// <summary>What to ask for.</summary>
public sealed record SuggestionOptions
{
    /// <summary>The fine-tuned model decides (the Dynamic CoT default), for the engine, the command line and the plugin alike.</summary>
    public const ThinkingMode DefaultThinking = ThinkingMode.Auto;

    /// <summary>Default of <see cref="MaxKeyphrases"/>, for the engine, the command line and the plugin alike.</summary>
    public const int DefaultMaxKeyphrases = 10;

    public ThinkingMode Thinking { get; init; } = DefaultThinking;

    /// <summary>Token budget of the rationale when <see cref="Thinking"/> is <see cref="ThinkingMode.Capped"/>.</summary>
    public int MaxThinkingTokens { get; init; } = 128;

    /// <summary>Most keyphrases returned (after normalisation and de-duplication).</summary>
    public int MaxKeyphrases { get; init; } = DefaultMaxKeyphrases;

    /// <summary>Keyphrases below this confidence (0..1) are dropped.</summary>
    public double MinConfidence { get; init; }

    /// <summary>Most tokens generated in total (rationale + answer).</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>The site's existing tags: a suggestion equal to one after normalisation is replaced by the existing spelling.</summary>
    public IReadOnlyCollection<string>? ExistingTags { get; init; }

    public SamplingOptions Sampling { get; init; } = new();
}

/// <summary>An image attached to a post: encoded bytes (JPEG, PNG, WebP or GIF) and a label for error messages.</summary>
public sealed record ImageInput(ReadOnlyMemory<byte> Bytes, string Label)
{
    public static async Task<ImageInput> FromFileAsync(string path, CancellationToken cancellationToken = default) =>
        new(await File.ReadAllBytesAsync(path, cancellationToken), Path.GetFileName(path));
}

/// <summary>One suggested keyphrase.</summary>
/// <param name="Text">The keyphrase as it should be stored (existing tag spelling when it matched one).</param>
/// <param name="Confidence">Geometric mean of the answer tokens' probabilities, 0..1.</param>
/// <param name="MatchedExistingTag">True when <paramref name="Text"/> is an existing site tag.</param>
public sealed record KeyphraseSuggestion(string Text, double Confidence, bool MatchedExistingTag);

/// <summary>What the model suggested, and what it cost.</summary>
public sealed record SuggestionResult(
    IReadOnlyList<KeyphraseSuggestion> Keyphrases,
    string? Rationale,
    int PromptTokens,
    int GeneratedTokens,
    TimeSpan PromptTime,
    TimeSpan GenerationTime,
    string RawOutput)
{
    /// <summary>Keyphrases the model wrote that are not tags (a stray letter, grammar characters, a repetition) and were dropped.</summary>
    public int DroppedKeyphrases { get; init; }
}

/// <summary>Suggests keyphrases for a post's text and optional image. Implementations are safe to call concurrently.</summary>
public interface IKeyphraseSuggester
{
    Task<SuggestionResult> SuggestAsync(string text, ImageInput? image, SuggestionOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>The engine cannot take the request now but will later (busy, or still loading its model).</summary>
public class SuggesterUnavailableException(string message, TimeSpan retryAfter) : Exception(message), IUserFacingError
{
    /// <summary>How long a caller should wait before trying again.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>The engine is at capacity: the request queue is full. Try again later.</summary>
public sealed class SuggesterOverloadedException(int queueLimit)
    : SuggesterUnavailableException($"The keyphrase engine is busy: {queueLimit} requests are already waiting. Try again shortly.", TimeSpan.FromSeconds(5))
{
    public int QueueLimit { get; } = queueLimit;
}

/// <summary>The engine is still preparing its model (first start); the message says how far it got.</summary>
public sealed class SuggesterWarmingUpException(string message)
    : SuggesterUnavailableException(message, TimeSpan.FromSeconds(10));

/// <summary>Invalid input to a suggestion (empty text, text too long for the context, …); the message names the problem.</summary>
/// <param name="input">Which part of the request is wrong: <see cref="TextInput"/>, <see cref="ImageInputName"/> or <see cref="OptionsInput"/>.</param>
public sealed class SuggestionInputException(string message, string input = SuggestionInputException.TextInput) : ArgumentException(message), IUserFacingError
{
    public const string TextInput = "text";
    public const string ImageInputName = "image";
    public const string OptionsInput = "options";

    /// <summary>Which part of the request is wrong (the API names it as the field).</summary>
    public string Input { get; } = input;
}
