namespace DynamicCot.Keyphrases.Text;

/// <summary>
/// A word being stemmed, edited in place in a caller-owned buffer: the stemmer's steps only ever cut a suffix and
/// append a replacement, so no step needs a new string.
/// </summary>
internal ref struct PorterWord(Span<char> buffer, int length)
{
    private readonly Span<char> _buffer = buffer;

    public int Length { get; private set; } = length;

    public readonly ReadOnlySpan<char> Current => _buffer[..Length];

    public readonly bool EndsWith(string suffix) => Current.EndsWith(suffix, StringComparison.Ordinal);

    /// <summary>Cuts <paramref name="count"/> characters from the end and appends <paramref name="replacement"/>.</summary>
    public void ReplaceEnd(int count, ReadOnlySpan<char> replacement)
    {
        Length -= count;
        replacement.CopyTo(_buffer[Length..]);
        Length += replacement.Length;
    }

    public void Truncate(int length) => Length = length;
}

/// <summary>The letter-class predicates Porter's conditions are written in (m, *v*, *d, *o).</summary>
internal static class PorterLetters
{
    /// <summary>
    /// A consonant is a letter other than a, e, i, o, u, and other than y preceded by a consonant; anything that
    /// is not a vowel (hyphens, apostrophes, digits) counts as a consonant, as in NLTK.
    /// </summary>
    public static bool IsConsonant(ReadOnlySpan<char> word, int index)
    {
        // Walk back over a run of y's: each y flips the class of the letter before it.
        var flips = 0;
        while (true)
        {
            var c = word[index];
            if (c is 'a' or 'e' or 'i' or 'o' or 'u')
                return flips % 2 == 1;
            if (c != 'y' || index == 0)
                return flips % 2 == 0;
            flips++;
            index--;
        }
    }

    /// <summary>Porter's m: the number of vowel-run → consonant-run transitions ([C](VC)^m[V]).</summary>
    public static int Measure(ReadOnlySpan<char> stem)
    {
        var measure = 0;
        var previousWasVowel = false;
        for (var i = 0; i < stem.Length; i++)
        {
            var consonant = IsConsonant(stem, i);
            if (consonant && previousWasVowel)
                measure++;
            previousWasVowel = !consonant;
        }
        return measure;
    }

    public static bool ContainsVowel(ReadOnlySpan<char> stem)
    {
        for (var i = 0; i < stem.Length; i++)
        {
            if (!IsConsonant(stem, i))
                return true;
        }
        return false;
    }

    /// <summary>*d: ends with the same consonant twice.</summary>
    public static bool EndsDoubleConsonant(ReadOnlySpan<char> word) =>
        word.Length >= 2 && word[^1] == word[^2] && IsConsonant(word, word.Length - 1);

    /// <summary>
    /// *o: ends consonant-vowel-consonant with the last not w, x or y; NLTK also counts a two-letter
    /// vowel-consonant word, so that e.g. "ow" + "ing" is handled like a short stem.
    /// </summary>
    public static bool EndsCvc(ReadOnlySpan<char> word)
    {
        var n = word.Length;
        if (n >= 3)
        {
            return IsConsonant(word, n - 3) && !IsConsonant(word, n - 2) && IsConsonant(word, n - 1)
                && word[^1] is not ('w' or 'x' or 'y');
        }
        return n == 2 && !IsConsonant(word, 0) && IsConsonant(word, 1);
    }
}
