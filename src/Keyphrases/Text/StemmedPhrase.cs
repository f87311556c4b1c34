namespace DynamicCot.Keyphrases.Text;

/// <summary>
/// A keyphrase after normalisation: its stemmed tokens, and <see cref="Key"/> (the tokens joined by single
/// spaces), which is what two keyphrases are compared by.
/// </summary>
public sealed class StemmedPhrase : IEquatable<StemmedPhrase>
{
    public StemmedPhrase(IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count == 0)
            throw new ArgumentException("A keyphrase needs at least one token.", nameof(tokens));
        Tokens = tokens;
        Key = string.Join(' ', tokens);
    }

    public IReadOnlyList<string> Tokens { get; }

    public string Key { get; }

    public bool Equals(StemmedPhrase? other) => other is not null && string.Equals(Key, other.Key, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as StemmedPhrase);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Key);

    public override string ToString() => Key;
}
