namespace DynamicCot.Keyphrases.Prompting;

/// <summary>Limits written into the answer grammars as GBNF repetition bounds (<c>{m,n}</c>).</summary>
public sealed record AnswerGrammarOptions
{
    /// <summary>Most keyphrases the model may write inside <c>&lt;answer&gt;</c>.</summary>
    public int MaxKeyphrases { get; init; } = 10;

    /// <summary>Most characters of one keyphrase.</summary>
    public int MaxKeyphraseCharacters { get; init; } = 64;

    /// <summary>
    /// Most characters of the rationale, or null for no limit in the grammar. GBNF counts characters, not tokens:
    /// a token budget (<see cref="Suggestions.ThinkingMode.Capped"/>) is the generator's job, which forces
    /// <see cref="ThinkingCap.ClosingTextAfter"/> when the budget runs out. This bound is a backstop. llama.cpp expands
    /// <c>x{0,n}</c> into n nested rules, so keep it to a few thousand at most.
    /// </summary>
    public int? MaxThinkingCharacters { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxKeyphrases, 1, nameof(MaxKeyphrases));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxKeyphrases, 256, nameof(MaxKeyphrases));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxKeyphraseCharacters, 1, nameof(MaxKeyphraseCharacters));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxKeyphraseCharacters, 1024, nameof(MaxKeyphraseCharacters));
        if (MaxThinkingCharacters is { } thinking)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(thinking, 1, nameof(MaxThinkingCharacters));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(thinking, 8192, nameof(MaxThinkingCharacters));
        }
    }
}
