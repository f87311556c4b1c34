using System.Text;

namespace DynamicCot.Keyphrases.Prompting;

/// <summary>The post text as it goes into a prompt, and what sanitising did to it.</summary>
/// <param name="Text">Single-spaced text without control tokens, media markers or control characters.</param>
/// <param name="RemovedControlSequences">How many <c>&lt;|…|&gt;</c> tokens and media markers were taken out.</param>
/// <param name="Truncated">True when the text was cut to the character budget.</param>
public sealed record SanitizedText(string Text, int RemovedControlSequences, bool Truncated);

/// <summary>
/// Makes user text safe to splice into a ChatML prompt. The prompt is tokenised with special-token parsing on
/// (it must be, for <c>&lt;|im_start|&gt;</c> and the media marker to work), so a post containing
/// <c>&lt;|im_end|&gt;</c> could otherwise close the user turn and write its own assistant turn, and a post
/// containing the media marker would make mtmd expect an image that was never given.
/// </summary>
public static class PostTextSanitizer
{
    // Qwen's special tokens are all of this shape; 64 characters is longer than any of them.
    private const int MaxControlTokenLength = 64;

    /// <summary>Strips control tokens and <paramref name="mediaMarker"/>, collapses whitespace, cuts to <paramref name="maxCharacters"/>.</summary>
    public static SanitizedText Sanitize(string text, string mediaMarker = ChatMarkup.DefaultMediaMarker, int maxCharacters = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(mediaMarker);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCharacters);

        var (withoutTokens, removed) = RemoveControlSequences(text, mediaMarker);
        var collapsed = CollapseWhitespace(withoutTokens);
        var (cut, truncated) = Truncate(collapsed, maxCharacters);
        return new SanitizedText(cut, removed, truncated);
    }

    /// <summary>
    /// Removes <c>&lt;|…|&gt;</c> sequences and the media marker until none is left: removing one can join its
    /// neighbours into a new one (<c>&lt;|im_&lt;|x|&gt;end|&gt;</c>), so a single pass is not enough.
    /// </summary>
    private static (string Text, int Removed) RemoveControlSequences(string text, string mediaMarker)
    {
        var removed = 0;
        var builder = new StringBuilder(text.Length);
        var current = text;
        while (true)
        {
            builder.Clear();
            var removedThisPass = 0;
            var span = current.AsSpan();
            var index = 0;
            while (index < span.Length)
            {
                var rest = span[index..];
                if (rest.StartsWith(mediaMarker, StringComparison.Ordinal))
                {
                    index += mediaMarker.Length;
                    removedThisPass++;
                    continue;
                }
                var tokenLength = ControlTokenLengthAt(rest);
                if (tokenLength > 0)
                {
                    // Removed without a trace, like the marker: a space here would turn "<|im_<|x|>end|>" into
                    // "<|im_ end|>", which no longer looks like a token and would survive as litter.
                    index += tokenLength;
                    removedThisPass++;
                    continue;
                }
                builder.Append(span[index]);
                index++;
            }
            if (removedThisPass == 0)
                return (current, removed);
            removed += removedThisPass;
            current = builder.ToString();
        }
    }

    /// <summary>Length of a <c>&lt;|name|&gt;</c> token at the start of <paramref name="text"/>, or 0.</summary>
    internal static int ControlTokenLengthAt(ReadOnlySpan<char> text)
    {
        if (!text.StartsWith("<|", StringComparison.Ordinal))
            return 0;
        var limit = Math.Min(text.Length, MaxControlTokenLength);
        for (var i = 2; i + 1 < limit; i++)
        {
            if (text[i] == '|' && text[i + 1] == '>')
                return i + 2;
            if (text[i] is '<' or '>' || char.IsWhiteSpace(text[i]))
                return 0;
        }
        return 0;
    }

    /// <summary>Every run of whitespace or control characters becomes one space; the ends are trimmed.</summary>
    private static string CollapseWhitespace(string text)
    {
        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var character in text)
        {
            if (char.IsWhiteSpace(character) || char.IsControl(character) || character is '\u200B' or '\uFEFF')
            {
                pendingSpace = builder.Length > 0;
                continue;
            }
            if (pendingSpace)
                builder.Append(' ');
            pendingSpace = false;
            builder.Append(character);
        }
        return builder.ToString();
    }

    /// <summary>Cuts to the budget, never between the halves of a surrogate pair, preferring a word boundary near the end.</summary>
    private static (string Text, bool Truncated) Truncate(string text, int maxCharacters)
    {
        if (text.Length <= maxCharacters)
            return (text, false);
        var end = maxCharacters;
        if (end > 0 && char.IsHighSurrogate(text[end - 1]))
            end--;
        // Backing up to a space loses at most a tenth of the budget and keeps the last word whole.
        var lastSpace = text.LastIndexOf(' ', Math.Max(0, end - 1), Math.Min(end, Math.Max(1, maxCharacters / 10)));
        if (lastSpace > 0 && text[end] != ' ')
            end = lastSpace;
        return (text[..end].TrimEnd(), true);
    }
}
