namespace DynamicCot.Keyphrases.Prompting;

/// <summary>
/// Ends a rationale that ran out of its token budget (<see cref="Suggestions.ThinkingMode.Capped"/>). GBNF cannot count
/// tokens, so the generator counts them and, at the cap, feeds the text returned here as forced tokens (accepting each
/// into the grammar sampler); generation then continues inside <c>&lt;answer&gt;</c>.
/// </summary>
public static class ThinkingCap
{
    /// <summary>The closing text when the rationale is cut at a clean point.</summary>
    public const string ClosingText = ChatMarkup.ThinkClose + ChatMarkup.AnswerOpen;

    /// <summary>
    /// The shortest text that, appended to <paramref name="generated"/>, leaves the output just inside
    /// <c>&lt;answer&gt;</c>: <c>&lt;/think&gt;&lt;answer&gt;</c>, or its rest when the model had begun <c>&lt;/think&gt;</c>,
    /// or <c>""</c> when the answer has already begun. <paramref name="generated"/> is everything generated so far.
    /// </summary>
    /// <exception cref="GeneratedTextFormatException">The text does not follow the answer grammar.</exception>
    public static string ClosingTextAfter(ReadOnlySpan<char> generated, ThinkingFormat format)
    {
        if (format == ThinkingFormat.Markers)
            return ClosingTextAfter(generated);
        // A Thinking checkpoint: the prompt opened the block, so everything before "</think>" is reasoning; close it as
        // the model's template does ("\n</think>\n\n") and open the answer.
        const string afterClose = "\n\n" + ChatMarkup.AnswerOpen;
        if (generated.IndexOf(ChatMarkup.AnswerOpen, StringComparison.Ordinal) >= 0)
            return "";
        var close = generated.IndexOf(ChatMarkup.ThinkClose, StringComparison.Ordinal);
        if (close >= 0)
        {
            var rest = generated[(close + ChatMarkup.ThinkClose.Length)..];
            if (!afterClose.AsSpan().StartsWith(rest))
                throw new GeneratedTextFormatException(generated.ToString(), "</think> is not followed by a blank line and <answer>");
            return afterClose[rest.Length..];
        }
        var begunClose = LongestSuffixThatPrefixes(generated, ChatMarkup.ThinkClose);
        var newline = begunClose > 0 || generated.IsEmpty || generated[^1] == '\n' ? "" : "\n";
        return newline + ChatMarkup.ThinkClose[begunClose..] + afterClose;
    }

    /// <summary>
    /// <see cref="ClosingTextAfter(ReadOnlySpan{char}, ThinkingFormat)"/> for the project's markers.
    /// </summary>
    public static string ClosingTextAfter(ReadOnlySpan<char> generated)
    {
        if (generated.IndexOf(ChatMarkup.AnswerOpen, StringComparison.Ordinal) >= 0)
            return "";
        if (ChatMarkup.AnswerOpen.AsSpan().StartsWith(generated))
            return ChatMarkup.AnswerOpen[generated.Length..];
        if (ChatMarkup.ThinkOpen.AsSpan().StartsWith(generated))
            return ChatMarkup.ThinkOpen[generated.Length..] + ClosingText;
        if (!generated.StartsWith(ChatMarkup.ThinkOpen, StringComparison.Ordinal))
            throw new GeneratedTextFormatException(generated.ToString(), "it starts with neither <think> nor <answer>");

        var body = generated[ChatMarkup.ThinkOpen.Length..];
        var close = body.IndexOf(ChatMarkup.ThinkClose, StringComparison.Ordinal);
        if (close >= 0)
        {
            var afterThink = body[(close + ChatMarkup.ThinkClose.Length)..];
            if (!ChatMarkup.AnswerOpen.AsSpan().StartsWith(afterThink))
                throw new GeneratedTextFormatException(generated.ToString(), "</think> is not followed by <answer>");
            return ChatMarkup.AnswerOpen[afterThink.Length..];
        }
        var begunClose = LongestSuffixThatPrefixes(body, ChatMarkup.ThinkClose);
        return ChatMarkup.ThinkClose[begunClose..] + ChatMarkup.AnswerOpen;
    }

    /// <summary>Length of the longest suffix of <paramref name="text"/> that is a proper prefix of <paramref name="tag"/>.</summary>
    private static int LongestSuffixThatPrefixes(ReadOnlySpan<char> text, string tag)
    {
        for (var length = Math.Min(text.Length, tag.Length - 1); length > 0; length--)
        {
            if (text[^length..].SequenceEqual(tag.AsSpan(0, length)))
                return length;
        }
        return 0;
    }
}
