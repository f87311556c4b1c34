using System.Text;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Keyphrases.Text;

namespace DynamicCot.Keyphrases.Prompting;

/// <summary>A keyphrase the model produced, with its confidence (0..1), before normalisation.</summary>
public readonly record struct KeyphraseCandidate(string Text, double Confidence);

/// <summary>
/// Turns raw keyphrases into stored suggestions: cleaned, snapped to the site's tags, de-duplicated, filtered.
/// </summary>
public static class SuggestionNormalizer
{
    /// <summary>
    /// The display form: surrounding whitespace and leading/trailing <c>#</c> trimmed, inner whitespace collapsed to
    /// single spaces. Case is kept. Empty when nothing is left.
    /// </summary>
    public static string Clean(string keyphrase)
    {
        ArgumentNullException.ThrowIfNull(keyphrase);
        var trimmed = keyphrase.AsSpan().Trim().Trim('#').Trim();
        if (trimmed.IsEmpty)
            return "";
        var builder = new StringBuilder(trimmed.Length);
        var pendingSpace = false;
        foreach (var character in trimmed)
        {
            if (char.IsWhiteSpace(character) || char.IsControl(character))
            {
                pendingSpace = true;
                continue;
            }
            // A control character next to the trimmed edge ("\u0001photo") must not become a leading space.
            if (pendingSpace && builder.Length > 0)
                builder.Append(' ');
            pendingSpace = false;
            builder.Append(character);
        }
        return builder.ToString();
    }

    /// <summary>The case-folded comparison form of <see cref="Clean"/> (invariant culture).</summary>
    public static string ComparisonKey(string keyphrase) => Clean(keyphrase).ToLowerInvariant();

    /// <summary>
    /// Cleans each candidate, drops those that break <see cref="TagRules"/> (counted in
    /// <see cref="NormalizedSuggestions.DroppedByTagRules"/>), replaces it by the site's spelling when
    /// <paramref name="vocabulary"/> has a match, merges duplicates keeping the first one's position and text and the
    /// best confidence, drops those below <paramref name="minConfidence"/>, and keeps at most
    /// <paramref name="maxKeyphrases"/> in the model's order. Two keyphrases are duplicates when they have the same
    /// <see cref="TagVocabulary.KeyOf"/> (case, spacing, camelCase/snake_case/kebab-case ignored) or the same stemmed
    /// form (<see cref="KeyphraseNormalizer"/>, the key the evaluation scores by: "photo" and "photos").
    /// </summary>
    public static NormalizedSuggestions Normalize(
        IEnumerable<KeyphraseCandidate> candidates,
        TagVocabulary? vocabulary = null,
        int maxKeyphrases = int.MaxValue,
        double minConfidence = 0)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfNegative(maxKeyphrases);

        var merged = new List<KeyphraseSuggestion>();
        var indexByKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var indexByStem = new Dictionary<string, int>(StringComparer.Ordinal);
        var dropped = 0;
        foreach (var candidate in candidates)
        {
            if (candidate.Text is null)
                continue;
            var cleaned = Clean(candidate.Text);
            if (cleaned.Length == 0)
                continue;
            if (!TagRules.IsTag(cleaned))
            {
                dropped++;
                continue;
            }
            var confidence = double.IsFinite(candidate.Confidence) ? Math.Clamp(candidate.Confidence, 0, 1) : 0;
            var suggestion = vocabulary is not null && vocabulary.TryMatch(cleaned, out var existing)
                ? new KeyphraseSuggestion(existing, confidence, MatchedExistingTag: true)
                : new KeyphraseSuggestion(cleaned, confidence, MatchedExistingTag: false);

            var key = TagVocabulary.KeyOf(suggestion.Text);
            var stem = Stems.Normalize(cleaned)?.Key;
            if (indexByKey.TryGetValue(key, out var index) || (stem is not null && indexByStem.TryGetValue(stem, out index)))
            {
                var first = merged[index];
                // The site's spelling wins over a free-text duplicate even when the free text came first.
                var keep = !first.MatchedExistingTag && suggestion.MatchedExistingTag ? suggestion : first;
                merged[index] = keep with { Confidence = Math.Max(first.Confidence, confidence) };
                continue;
            }
            indexByKey.Add(key, merged.Count);
            if (stem is not null)
                indexByStem.TryAdd(stem, merged.Count);
            merged.Add(suggestion);
        }
        return new NormalizedSuggestions(merged.Where(suggestion => suggestion.Confidence >= minConfidence).Take(maxKeyphrases).ToArray(), dropped);
    }

    private static readonly KeyphraseNormalizer Stems = new();
}

/// <summary>The suggestions kept, in order, and how many candidates were not tags at all (<see cref="TagRules"/>).</summary>
public sealed class NormalizedSuggestions(IReadOnlyList<KeyphraseSuggestion> kept, int droppedByTagRules) : IReadOnlyList<KeyphraseSuggestion>
{
    public int DroppedByTagRules { get; } = droppedByTagRules;

    public KeyphraseSuggestion this[int index] => kept[index];

    public int Count => kept.Count;

    public IEnumerator<KeyphraseSuggestion> GetEnumerator() => kept.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
