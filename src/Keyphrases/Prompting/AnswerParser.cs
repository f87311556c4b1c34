using System.Buffers;
using System.Text;

namespace DynamicCot.Keyphrases.Prompting;

/// <summary>
/// Reads keyphrases and the rationale out of a model's output. Grammar-constrained output always parses cleanly;
/// this is also tolerant of what unconstrained models write (zero-shot baselines, teachers): missing closing tags,
/// stray <c>&lt;|im_end|&gt;</c>, <c>#</c> prefixes, and <c>,</c> <c>;</c> or line breaks as separators.
/// Never throws on any input; <see cref="ParsedAnswer.WellFormed"/> tells whether the format was followed.
/// </summary>
public static class AnswerParser
{
    // Comma, semicolon, line breaks, and their full-width/CJK forms, which multilingual models do write.
    private static readonly SearchValues<char> Separators = SearchValues.Create(",;\n\r\uFF0C\uFF1B\u3001");

    public static ParsedAnswer Parse(string? raw) => Parse(raw, insideThinkBlock: false);

    /// <summary>
    /// Parses <paramref name="raw"/>; with <paramref name="insideThinkBlock"/> the text continues a think block the prompt
    /// opened (a Thinking checkpoint's generation prompt ends with <c>&lt;think&gt;\n</c>), so it starts as reasoning.
    /// </summary>
    public static ParsedAnswer Parse(string? raw, bool insideThinkBlock)
    {
        if (string.IsNullOrEmpty(raw))
            return ParsedAnswer.Empty;

        var text = raw.AsSpan();
        var wellFormed = true;
        string? rationale = null;
        var answerRegionStart = 0;

        var thinkOpen = insideThinkBlock ? 0 : text.IndexOf(ChatMarkup.ThinkOpen, StringComparison.Ordinal);
        var answerOpen = text.IndexOf(ChatMarkup.AnswerOpen, StringComparison.Ordinal);
        if (thinkOpen >= 0 && (answerOpen < 0 || thinkOpen < answerOpen || insideThinkBlock))
        {
            var bodyStart = insideThinkBlock ? 0 : thinkOpen + ChatMarkup.ThinkOpen.Length;
            var thinkClose = IndexOfFrom(text, ChatMarkup.ThinkClose, bodyStart);
            int bodyEnd;
            if (thinkClose >= 0 && (answerOpen < 0 || thinkClose < answerOpen))
            {
                bodyEnd = thinkClose;
                answerRegionStart = thinkClose + ChatMarkup.ThinkClose.Length;
            }
            else
            {
                // Unclosed rationale: it runs to the answer, or to the end when there is no answer at all.
                wellFormed = false;
                bodyEnd = answerOpen >= 0 ? answerOpen : text.Length;
                answerRegionStart = bodyEnd;
            }
            rationale = CleanRationale(text[bodyStart..bodyEnd]);
            if (!IsIgnorable(text[..thinkOpen]))
                wellFormed = false;
        }

        int contentStart, contentEnd;
        if (answerOpen >= 0 && answerOpen >= answerRegionStart)
        {
            if (!IsIgnorable(text[answerRegionStart..answerOpen]))
                wellFormed = false;
            contentStart = answerOpen + ChatMarkup.AnswerOpen.Length;
            var answerClose = IndexOfFrom(text, ChatMarkup.AnswerClose, contentStart);
            if (answerClose >= 0)
            {
                contentEnd = answerClose;
                if (!IsIgnorable(text[(answerClose + ChatMarkup.AnswerClose.Length)..]))
                    wellFormed = false;
            }
            else
            {
                contentEnd = text.Length;
                wellFormed = false;
            }
        }
        else
        {
            // No answer tag: whatever follows the rationale (or the whole output) is the best guess.
            wellFormed = false;
            contentStart = answerRegionStart;
            contentEnd = text.Length;
        }

        var spans = SplitKeyphrases(text, contentStart, contentEnd);
        var keyphrases = new string[spans.Count];
        for (var i = 0; i < spans.Count; i++)
            keyphrases[i] = CollapseWhitespace(spans[i].Of(raw));
        if (keyphrases.Length == 0)
            wellFormed = false;
        return new ParsedAnswer(keyphrases, rationale, wellFormed) { KeyphraseSpans = spans };
    }

    private static int IndexOfFrom(ReadOnlySpan<char> text, string value, int start)
    {
        var index = text[start..].IndexOf(value, StringComparison.Ordinal);
        return index < 0 ? -1 : start + index;
    }

    /// <summary>Whitespace and <c>&lt;|…|&gt;</c> tokens only (e.g. the trailing <c>&lt;|im_end|&gt;</c>).</summary>
    private static bool IsIgnorable(ReadOnlySpan<char> text)
    {
        var index = 0;
        while (index < text.Length)
        {
            if (char.IsWhiteSpace(text[index]))
            {
                index++;
                continue;
            }
            var tokenLength = PostTextSanitizer.ControlTokenLengthAt(text[index..]);
            if (tokenLength == 0)
                return false;
            index += tokenLength;
        }
        return true;
    }

    private static string? CleanRationale(ReadOnlySpan<char> body)
    {
        var cleaned = PostTextSanitizer.Sanitize(body.ToString()).Text;
        return cleaned.Length == 0 ? null : cleaned;
    }

    /// <summary>
    /// Splits [start, end) at separators and at any tag-like <c>&lt;…&gt;</c> (stray <c>&lt;|im_end|&gt;</c>,
    /// a repeated <c>&lt;answer&gt;</c>), then trims each piece; a piece made only of <c>#words</c>
    /// ("#nepal #earthquake") is split into its hashtags.
    /// </summary>
    private static List<CharSpan> SplitKeyphrases(ReadOnlySpan<char> text, int start, int end)
    {
        var spans = new List<CharSpan>();
        var pieceStart = start;
        var index = start;
        while (index < end)
        {
            var character = text[index];
            if (Separators.Contains(character))
            {
                AddPiece(text, pieceStart, index, spans);
                index++;
                pieceStart = index;
                continue;
            }
            if (character == '<')
            {
                var tagEnd = text[index..end].IndexOf('>');
                // A lone '<' ("a < b") only splits; it does not swallow the rest of the answer.
                var tagLength = tagEnd < 0 ? 1 : tagEnd + 1;
                AddPiece(text, pieceStart, index, spans);
                index += tagLength;
                pieceStart = index;
                continue;
            }
            index++;
        }
        AddPiece(text, pieceStart, end, spans);
        return spans;
    }

    private static void AddPiece(ReadOnlySpan<char> text, int start, int end, List<CharSpan> spans)
    {
        while (start < end && char.IsWhiteSpace(text[start]))
            start++;
        if (start < end && TrySplitHashtags(text, CharSpan.FromBounds(start, end), spans))
            return;
        var piece = Trim(text, CharSpan.FromBounds(start, end));
        if (piece.Length > 0)
            spans.Add(piece);
    }

    /// <summary>"#a #b c" stays one piece; "#a #b" becomes two, since each word was marked as its own hashtag.</summary>
    private static bool TrySplitHashtags(ReadOnlySpan<char> text, CharSpan piece, List<CharSpan> spans)
    {
        var content = text.Slice(piece.Start, piece.Length);
        if (content[0] != '#')
            return false;
        var words = new List<CharSpan>();
        var index = 0;
        while (index < content.Length)
        {
            while (index < content.Length && char.IsWhiteSpace(content[index]))
                index++;
            if (index == content.Length)
                break;
            if (content[index] != '#')
                return false;
            var wordStart = index;
            while (index < content.Length && !char.IsWhiteSpace(content[index]))
                index++;
            words.Add(CharSpan.FromBounds(piece.Start + wordStart, piece.Start + index));
        }
        if (words.Count < 2)
            return false;
        foreach (var word in words)
        {
            var trimmed = Trim(text, word);
            if (trimmed.Length > 0)
                spans.Add(trimmed);
        }
        return true;
    }

    /// <summary>Trims whitespace and <c>#</c>, then one pair of matching quotes, then whitespace again.</summary>
    private static CharSpan Trim(ReadOnlySpan<char> text, CharSpan span)
    {
        var start = span.Start;
        var end = span.End;
        while (start < end && (char.IsWhiteSpace(text[start]) || text[start] == '#'))
            start++;
        while (end > start && char.IsWhiteSpace(text[end - 1]))
            end--;
        if (end - start >= 2 && IsQuotePair(text[start], text[end - 1]))
        {
            start++;
            end--;
            while (start < end && (char.IsWhiteSpace(text[start]) || text[start] == '#'))
                start++;
            while (end > start && char.IsWhiteSpace(text[end - 1]))
                end--;
        }
        return CharSpan.FromBounds(start, end);
    }

    private static bool IsQuotePair(char open, char close) => (open, close) switch
    {
        ('"', '"') or ('\'', '\'') or ('“', '”') or ('‘', '’') or ('«', '»') or ('`', '`') => true,
        _ => false,
    };

    private static string CollapseWhitespace(ReadOnlySpan<char> text)
    {
        if (!HasWhitespaceRun(text))
            return text.ToString();
        var builder = new StringBuilder(text.Length);
        var previousWasSpace = false;
        foreach (var character in text)
        {
            var isSpace = char.IsWhiteSpace(character);
            if (isSpace && previousWasSpace)
                continue;
            builder.Append(isSpace ? ' ' : character);
            previousWasSpace = isSpace;
        }
        return builder.ToString();
    }

    private static bool HasWhitespaceRun(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsWhiteSpace(text[i]) && (text[i] != ' ' || (i + 1 < text.Length && char.IsWhiteSpace(text[i + 1]))))
                return true;
        }
        return false;
    }
}
