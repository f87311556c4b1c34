using System.Buffers;
using System.Text;

namespace DynamicCot.Keyphrases.Prompting;

/// <summary>Why a generated keyphrase is not something a CMS should store as a tag.</summary>
public enum TagRejection
{
    None,
    /// <summary>Shorter than <see cref="TagRules.MinCharacters"/> (a stray letter such as <c>s</c>).</summary>
    TooShort,
    /// <summary>Longer than <see cref="TagRules.MaxCharacters"/>.</summary>
    TooLong,
    /// <summary>More than <see cref="TagRules.MaxWords"/> words.</summary>
    TooManyWords,
    /// <summary>No letter or digit at all.</summary>
    NoLetterOrDigit,
    /// <summary>A control character or one of the answer format's and grammars' own characters (<c>{ } [ ] &lt; &gt; | \ "</c>, comma).</summary>
    ForbiddenCharacter,
    /// <summary>Degenerate repetition: one word three times or more (<c>iv m m m m</c>).</summary>
    Repetition,
}

/// <summary>
/// What a generated keyphrase must look like to reach an editor: the rules of a tag a CMS stores. Applied to the
/// cleaned display form (<see cref="SuggestionNormalizer.Clean"/>: trimmed, single-spaced). Bounds are chosen so that
/// the fixture benchmarks' gold keyphrases pass (all of VMU, Flickr and KPTimes; all but a handful of CMKP's, Inspec's
/// and SemEval's: a backslash, 9-word terms), see the tag-rule tests. Segmented weather hashtags such as <c>m nw x</c>
/// are gold tags, so one-letter words alone are not refused.
/// </summary>
public static class TagRules
{
    public const int MinCharacters = 2;

    /// <summary>The answer grammar's per-keyphrase bound too (<see cref="AnswerGrammarOptions.MaxKeyphraseCharacters"/>).</summary>
    public const int MaxCharacters = 64;

    public const int MaxWords = 8;

    /// <summary>A word may appear at most this often in one tag ("bora bora" passes, "m m m" does not).</summary>
    public const int MaxSameWord = 2;

    /// <summary>The answer format's separator and tag brackets, GBNF's and JSON's syntax characters.</summary>
    public static SearchValues<char> ForbiddenCharacters { get; } = SearchValues.Create(",<>{}[]|\\\"");

    /// <summary>Why <paramref name="tag"/> (cleaned) is not a tag, or <see cref="TagRejection.None"/>.</summary>
    public static TagRejection Check(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        if (tag.Length > MaxCharacters)
            return TagRejection.TooLong;
        var letters = 0;
        foreach (var rune in tag.EnumerateRunes())
        {
            if (Rune.IsControl(rune) || (rune.IsBmp && ForbiddenCharacters.Contains((char)rune.Value)))
                return TagRejection.ForbiddenCharacter;
            if (Rune.IsLetterOrDigit(rune))
                letters++;
        }
        if (letters == 0)
            return TagRejection.NoLetterOrDigit;
        if (tag.EnumerateRunes().Count() < MinCharacters)
            return TagRejection.TooShort;

        var words = tag.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length > MaxWords)
            return TagRejection.TooManyWords;
        if (words.GroupBy(w => w, StringComparer.OrdinalIgnoreCase).Any(g => g.Count() > MaxSameWord))
            return TagRejection.Repetition;
        return TagRejection.None;
    }

    public static bool IsTag(string tag) => Check(tag) == TagRejection.None;
}
