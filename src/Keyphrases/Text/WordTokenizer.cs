namespace DynamicCot.Keyphrases.Text;

/// <summary>
/// Splits post text and keyphrases into the tokens the scoring protocol compares. The published CMKP scorer splits
/// its (already tokenised) text on whitespace, so on CMKP text this tokeniser yields the same tokens; on raw text
/// it separates punctuation the way CMKP's preprocessing did, so that "passport," still matches "passport".
/// </summary>
/// <remarks>
/// Rules: whitespace separates tokens; a word is a run of letters, digits and <c>_</c>, joined across a single
/// internal hyphen or apostrophe ("half-wit", "don't"; a typographic ’ becomes '); a <c>#</c> directly before a word
/// is dropped (an inline hashtag counts as a plain word); CMKP placeholders such as <c>&lt;number&gt;</c> stay one
/// token; every other run of non-space characters (punctuation, emoji) is one token of its own, kept so that
/// words on either side of it are not mistaken for adjacent.
/// </remarks>
public static class WordTokenizer
{
    public static List<string> Tokenize(ReadOnlySpan<char> text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            if (c == '#' && i + 1 < text.Length && IsWordChar(text[i + 1]))
            {
                i++;
                continue;
            }
            int end;
            if (IsWordChar(c))
            {
                end = ScanWord(text, i);
                tokens.Add(NormalizeApostrophes(text[i..end]));
            }
            else if (c == '<' && (end = ScanPlaceholder(text, i)) > i)
            {
                tokens.Add(new string(text[i..end]));
            }
            else
            {
                end = i + 1;
                while (end < text.Length && !char.IsWhiteSpace(text[end]) && !IsWordChar(text[end]) && text[end] != '#')
                    end++;
                tokens.Add(new string(text[i..end]));
            }
            i = end;
        }
        return tokens;
    }

    /// <summary>True when the token holds a letter or digit (punctuation-only tokens are not words).</summary>
    public static bool IsWord(string token)
    {
        foreach (var c in token)
        {
            if (char.IsLetterOrDigit(c))
                return true;
        }
        return false;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_' || char.GetUnicodeCategory(c)
        is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark;

    private static bool IsJoiner(char c) => c is '-' or '\'' or '’';

    private static int ScanWord(ReadOnlySpan<char> text, int start)
    {
        var end = start;
        while (end < text.Length)
        {
            if (IsWordChar(text[end]))
                end++;
            else if (IsJoiner(text[end]) && end + 1 < text.Length && IsWordChar(text[end + 1]))
                end += 2;
            else
                break;
        }
        return end;
    }

    /// <summary>A CMKP placeholder: '&lt;' lowercase letters '&gt;'. Returns the end, or <paramref name="start"/> if none.</summary>
    private static int ScanPlaceholder(ReadOnlySpan<char> text, int start)
    {
        var end = start + 1;
        while (end < text.Length && text[end] is >= 'a' and <= 'z')
            end++;
        return end > start + 1 && end < text.Length && text[end] == '>' ? end + 1 : start;
    }

    private static string NormalizeApostrophes(ReadOnlySpan<char> word) =>
        word.Contains('’') ? new string(word).Replace('’', '\'') : new string(word);
}
