namespace DynamicCot.Keyphrases.Prompting;

/// <summary>A range of UTF-16 characters in a string: [<see cref="Start"/>, <see cref="End"/>).</summary>
public readonly record struct CharSpan(int Start, int Length)
{
    public int End => Start + Length;

    public bool Overlaps(CharSpan other) => Start < other.End && other.Start < End && Length > 0 && other.Length > 0;

    public ReadOnlySpan<char> Of(string text) => text.AsSpan(Start, Length);

    public static CharSpan FromBounds(int start, int end) => new(start, end - start);
}
