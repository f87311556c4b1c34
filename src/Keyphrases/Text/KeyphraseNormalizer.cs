namespace DynamicCot.Keyphrases.Text;

/// <summary>
/// The evaluation protocol's normalisation: lowercase, tokenise (<see cref="WordTokenizer"/>), Porter-stem every
/// token (<see cref="PorterStemmer"/>, NLTK mode), and drop duplicate keyphrases keeping the first (rank order
/// matters for predictions).
/// </summary>
public sealed class KeyphraseNormalizer(PorterStemmer stemmer)
{
    public KeyphraseNormalizer() : this(PorterStemmer.Shared)
    {
    }

    /// <summary>The normalised keyphrase, or null when it has no word at all (empty or punctuation only).</summary>
    public StemmedPhrase? Normalize(string keyphrase)
    {
        ArgumentNullException.ThrowIfNull(keyphrase);
        var tokens = StemTokens(keyphrase);
        return tokens.Exists(WordTokenizer.IsWord) ? new StemmedPhrase(tokens) : null;
    }

    /// <summary>Normalises a list in order, dropping phrases without words and later duplicates.</summary>
    public List<StemmedPhrase> NormalizeDistinct(IEnumerable<string> keyphrases)
    {
        ArgumentNullException.ThrowIfNull(keyphrases);
        var seen = new HashSet<StemmedPhrase>();
        var result = new List<StemmedPhrase>();
        foreach (var keyphrase in keyphrases)
        {
            var phrase = Normalize(keyphrase);
            if (phrase is not null && seen.Add(phrase))
                result.Add(phrase);
        }
        return result;
    }

    public StemmedText StemText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new StemmedText(StemTokens(text));
    }

    private List<string> StemTokens(string text)
    {
        var tokens = WordTokenizer.Tokenize(text);
        for (var i = 0; i < tokens.Count; i++)
            tokens[i] = stemmer.Stem(tokens[i]);
        return tokens;
    }
}
