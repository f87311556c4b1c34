namespace DynamicCot.Keyphrases.Prompting;

/// <summary>What a model output says.</summary>
/// <param name="Keyphrases">Keyphrases in the order written, each trimmed of whitespace, <c>#</c> and quotes (not de-duplicated).</param>
/// <param name="Rationale">The text inside <c>&lt;think&gt;</c>, trimmed; null when there was none or it was blank.</param>
/// <param name="WellFormed">
/// True when the output is exactly the answer format (optional think block, then a closed answer with at least
/// one keyphrase, nothing else but trailing end-of-turn tokens and whitespace).
/// </param>
public sealed record ParsedAnswer(IReadOnlyList<string> Keyphrases, string? Rationale, bool WellFormed)
{
    /// <summary>Where each of <see cref="Keyphrases"/> lies in the parsed string (same order), for per-keyphrase confidence.</summary>
    public IReadOnlyList<CharSpan> KeyphraseSpans { get; init; } = [];

    public static ParsedAnswer Empty { get; } = new([], null, false);
}
