namespace DynamicCot.Keyphrases.Text;

/// <summary>A post's text as stemmed tokens, which keyphrases are looked up in to decide present vs absent.</summary>
public sealed class StemmedText(IReadOnlyList<string> tokens)
{
    public IReadOnlyList<string> Tokens { get; } = tokens ?? throw new ArgumentNullException(nameof(tokens));

    /// <summary>True when the phrase's tokens occur contiguously, as whole tokens, somewhere in the text.</summary>
    public bool Contains(StemmedPhrase phrase)
    {
        ArgumentNullException.ThrowIfNull(phrase);
        var needle = phrase.Tokens;
        for (var start = 0; start + needle.Count <= Tokens.Count; start++)
        {
            var i = 0;
            while (i < needle.Count && string.Equals(Tokens[start + i], needle[i], StringComparison.Ordinal))
                i++;
            if (i == needle.Count)
                return true;
        }
        return false;
    }
}
