namespace DynamicCot.Keyphrases.Prompting;

/// <summary>A keyphrase cannot be written into an answer: it is empty or holds a character the answer format reserves.</summary>
public sealed class KeyphraseFormatException(string keyphrase, string reason)
    : ArgumentException($"The keyphrase \"{keyphrase}\" cannot be used in an answer: {reason}."), IUserFacingError
{
    public string Keyphrase { get; } = keyphrase;
}

/// <summary>
/// Text generated under an answer grammar does not follow it, so no closing text can be forced after it
/// (a bug in the generator or a grammar mismatch, never user input).
/// </summary>
public sealed class GeneratedTextFormatException(string generatedText, string reason)
    : InvalidOperationException($"The generated text \"{Shorten(generatedText)}\" does not follow the answer format: {reason}.")
{
    public string GeneratedText { get; } = generatedText;

    private static string Shorten(string text) => text.Length <= 120 ? text : string.Concat(text.AsSpan(0, 117), "...");
}

/// <summary>Token pieces and token probabilities given for a confidence computation do not line up.</summary>
public sealed class TokenAlignmentException(string message) : ArgumentException(message);
