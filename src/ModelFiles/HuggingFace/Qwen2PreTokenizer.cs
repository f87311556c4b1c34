using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>
/// Qwen2's pre-tokenizer split: text is cut into pieces (contractions, letter runs with one leading non-letter,
/// single digits, punctuation runs, whitespace runs) before byte-level BPE runs inside each piece.
/// </summary>
/// <remarks>
/// <para>The Hugging Face pattern (<see cref="HuggingFacePattern"/>, written into tokenizer.json) is</para>
/// <code>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</code>
/// <para>
/// It runs on Unicode code points. .NET's <see cref="Regex"/> runs on UTF-16 code units, where a character outside
/// the Basic Multilingual Plane (emoji, mathematical bold letters, rare CJK) is two surrogates whose category is
/// <c>Cs</c>. To make the .NET pattern split exactly as the code-point one does, every <c>\p{L}</c>,
/// <c>\p{N}</c> and "anything else" class is widened with the surrogate pairs of the supplementary code points of
/// that category (tables built once from <see cref="Rune.GetUnicodeCategory"/>), and the BMP classes exclude the
/// surrogate range so a pair is never torn apart. Lone surrogates cannot occur in valid UTF-8 and are replaced by
/// U+FFFD first (which is also what their UTF-8 encoding would become). Whitespace is BMP-only and .NET's
/// <c>\s</c> is Unicode White_Space, so <c>\s</c>/<c>\S</c> need no change. The case-insensitive contraction group
/// is spelled out as <c>'[sS]|'[tT]|…</c> (as llama.cpp's qwen2 pre-tokenizer does), which differs from
/// <c>(?i:…)</c> only for U+017F and U+212A after an apostrophe. Alternation is leftmost-first with backtracking in
/// both engines, and the alternatives jointly match every character, so no text falls between matches.
/// </para>
/// </remarks>
public static class Qwen2PreTokenizer
{
    /// <summary>The split pattern as Hugging Face tokenizer.json files of Qwen2 / Qwen2-VL spell it.</summary>
    public const string HuggingFacePattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private const string Contractions = @"'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]";

    private static readonly Lazy<Regex> SplitRegex = new(BuildRegex);

    /// <summary>
    /// Without surrogates in the text the supplementary-plane alternatives can never match, so the plain pattern
    /// splits identically and is several times faster.
    /// </summary>
    private static readonly Regex BmpOnlyRegex = new(
        Contractions + @"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>The .NET equivalent of <see cref="HuggingFacePattern"/> for any text (see remarks).</summary>
    public static Regex Regex => SplitRegex.Value;

    /// <summary>The fastest pattern that splits <paramref name="text"/> exactly like <see cref="Regex"/>.</summary>
    public static Regex RegexFor(ReadOnlySpan<char> text) =>
        text.IndexOfAnyInRange('\uD800', '\uDFFF') < 0 ? BmpOnlyRegex : SplitRegex.Value;

    /// <summary>Splits text into pre-tokens (the pieces concatenate back to the sanitised text).</summary>
    public static List<string> Split(string text)
    {
        text = ReplaceLoneSurrogates(text);
        var pieces = new List<string>();
        foreach (var (start, length) in SplitRanges(text))
            pieces.Add(text.Substring(start, length));
        return pieces;
    }

    /// <summary>
    /// The (start, length) of each pre-token of <paramref name="text"/>, which must already be free of lone
    /// surrogates (see <see cref="ReplaceLoneSurrogates"/>).
    /// </summary>
    public static List<(int Start, int Length)> SplitRanges(ReadOnlySpan<char> text)
    {
        var ranges = new List<(int, int)>();
        int end = 0;
        foreach (var match in RegexFor(text).EnumerateMatches(text))
        {
            if (match.Index > end)
                ranges.Add((end, match.Index - end)); // cannot happen with this pattern; kept for Isolated-split semantics
            ranges.Add((match.Index, match.Length));
            end = match.Index + match.Length;
        }
        if (end < text.Length)
            ranges.Add((end, text.Length - end));
        return ranges;
    }

    /// <summary>Replaces unpaired surrogates with U+FFFD; returns the same instance when there are none.</summary>
    public static string ReplaceLoneSurrogates(string text)
    {
        int i = 0;
        for (; i < text.Length; i++)
        {
            if (char.IsSurrogate(text[i]))
            {
                if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                    continue;
                }
                break;
            }
        }
        if (i == text.Length)
            return text;

        var builder = new StringBuilder(text.Length);
        for (int j = 0; j < text.Length; j++)
        {
            char c = text[j];
            if (char.IsHighSurrogate(c) && j + 1 < text.Length && char.IsLowSurrogate(text[j + 1]))
            {
                builder.Append(c).Append(text[++j]);
            }
            else
            {
                builder.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return builder.ToString();
    }

    private static Regex BuildRegex()
    {
        var (letters, numbers) = SupplementaryClasses();
        string letter = $@"(?:\p{{L}}|{letters})";
        string number = $@"(?:\p{{N}}|{numbers})";
        string otherPair = $@"(?:(?!{letters}|{numbers})[\uD800-\uDBFF][\uDC00-\uDFFF])";
        string notNewlineLetterNumber = $@"(?:[^\r\n\p{{L}}\p{{N}}\uD800-\uDFFF]|{otherPair})";
        string notSpaceLetterNumber = $@"(?:[^\s\p{{L}}\p{{N}}\uD800-\uDFFF]|{otherPair})";
        string pattern =
            Contractions +
            $"|{notNewlineLetterNumber}?{letter}+" +
            $"|{number}" +
            $"| ?{notSpaceLetterNumber}+[\\r\\n]*" +
            @"|\s*[\r\n]+|\s+(?!\S)|\s+";
        return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);
    }

    /// <summary>Surrogate-pair alternations for the supplementary letters and numbers.</summary>
    private static (string Letters, string Numbers) SupplementaryClasses()
    {
        var letters = new List<string>();
        var numbers = new List<string>();
        for (int high = 0xD800; high <= 0xDBFF; high++)
        {
            var letterLows = new List<(int, int)>();
            var numberLows = new List<(int, int)>();
            for (int low = 0xDC00; low <= 0xDFFF; low++)
            {
                var category = Rune.GetUnicodeCategory(new Rune((char)high, (char)low));
                if (IsLetter(category))
                    AddToRanges(letterLows, low);
                else if (IsNumber(category))
                    AddToRanges(numberLows, low);
            }
            if (letterLows.Count > 0)
                letters.Add(PairClass(high, letterLows));
            if (numberLows.Count > 0)
                numbers.Add(PairClass(high, numberLows));
        }
        // The lookahead rejects BMP characters before the long alternation is tried.
        return ($@"(?=[\uD800-\uDBFF])(?:{string.Join('|', letters)})", $@"(?=[\uD800-\uDBFF])(?:{string.Join('|', numbers)})");
    }

    private static bool IsLetter(UnicodeCategory category) => category is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
        or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter;

    private static bool IsNumber(UnicodeCategory category) =>
        category is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    private static void AddToRanges(List<(int First, int Last)> ranges, int value)
    {
        if (ranges.Count > 0 && ranges[^1].Last == value - 1)
            ranges[^1] = (ranges[^1].First, value);
        else
            ranges.Add((value, value));
    }

    private static string PairClass(int high, List<(int First, int Last)> lows)
    {
        var builder = new StringBuilder();
        builder.Append($@"\u{high:X4}[");
        foreach (var (first, last) in lows)
        {
            builder.Append($@"\u{first:X4}");
            if (last != first)
                builder.Append($@"-\u{last:X4}");
        }
        return builder.Append(']').ToString();
    }
}
