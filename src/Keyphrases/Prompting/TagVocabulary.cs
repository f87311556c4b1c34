using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace DynamicCot.Keyphrases.Prompting;

/// <summary>
/// A site's existing tags, for snapping suggestions to the spelling the site already uses: "nepal earthquake",
/// "#NepalEarthquake", "nepal_earthquake" and "Nepal-Earthquake" all map to an existing "NepalEarthquake".
/// </summary>
/// <remarks>
/// Matching is on <see cref="KeyOf"/>: case-folded letters and digits only, so spacing, <c>#</c>, camelCase,
/// snake_case, kebab-case and punctuation do not matter. Separators are dropped rather than inserted at camelCase
/// humps because hashtags are mostly written all-lowercase ("nepalearthquake"), where humps cannot be found.
/// The cost: two tags differing only in spacing ("pen island" / "penisland") are one key; the site's first wins.
/// Lookups are one dictionary probe on the key.
/// </remarks>
public sealed class TagVocabulary
{
    private readonly Dictionary<string, string> _tagByKey;

    /// <summary>Indexes <paramref name="existingTags"/>; blank ones are skipped, and of tags sharing a key the first is kept.</summary>
    public TagVocabulary(IEnumerable<string?> existingTags)
    {
        ArgumentNullException.ThrowIfNull(existingTags);
        _tagByKey = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in existingTags)
        {
            if (string.IsNullOrWhiteSpace(tag))
                continue;
            var key = KeyOf(tag);
            if (key.Length > 0)
                _tagByKey.TryAdd(key, tag.Trim());
        }
    }

    public static TagVocabulary Empty { get; } = new([]);

    /// <summary>Number of distinct tag keys.</summary>
    public int Count => _tagByKey.Count;

    /// <summary>The existing tag equal to <paramref name="keyphrase"/> after normalisation, if any.</summary>
    public bool TryMatch(string keyphrase, [NotNullWhen(true)] out string? existingTag)
    {
        ArgumentNullException.ThrowIfNull(keyphrase);
        existingTag = null;
        var key = KeyOf(keyphrase);
        return key.Length > 0 && _tagByKey.TryGetValue(key, out existingTag);
    }

    /// <summary>The existing spelling when there is one, else the cleaned keyphrase.</summary>
    public string Snap(string keyphrase) =>
        TryMatch(keyphrase, out var existing) ? existing : SuggestionNormalizer.Clean(keyphrase);

    /// <summary>
    /// The matching key: letters and digits of the keyphrase, lower-cased (invariant). A keyphrase without any
    /// letter or digit (emoji, symbols) keys on its <see cref="SuggestionNormalizer.ComparisonKey"/> instead, so it
    /// still matches itself.
    /// </summary>
    public static string KeyOf(string keyphrase)
    {
        ArgumentNullException.ThrowIfNull(keyphrase);
        var key = new StringBuilder(keyphrase.Length);
        foreach (var rune in keyphrase.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune))
                key.Append(Rune.ToLowerInvariant(rune).ToString());
            // Combining marks belong to the letter before them ("é" written as e + U+0301).
            else if (key.Length > 0 && Rune.GetUnicodeCategory(rune) is System.Globalization.UnicodeCategory.NonSpacingMark
                         or System.Globalization.UnicodeCategory.SpacingCombiningMark)
                key.Append(rune.ToString());
        }
        return key.Length > 0 ? key.ToString() : SuggestionNormalizer.ComparisonKey(keyphrase);
    }
}
