using DynamicCot.Keyphrases.Text;

namespace DynamicCot.Tools.Teacher;

/// <summary>
/// How well a teacher's own answer agrees with the gold keyphrases: set F1 after the evaluation protocol's
/// normalisation (lowercase, Porter stems, duplicates dropped), so "Floods" agrees with "flood".
/// </summary>
public sealed class RationaleAgreement(KeyphraseNormalizer normalizer)
{
    public RationaleAgreement() : this(new KeyphraseNormalizer())
    {
    }

    /// <summary>F1 in [0, 1]; 0 when either side has no keyphrase.</summary>
    public double F1(IEnumerable<string> answer, IEnumerable<string> gold)
    {
        var predicted = normalizer.NormalizeDistinct(answer);
        var expected = normalizer.NormalizeDistinct(gold).ToHashSet();
        if (predicted.Count == 0 || expected.Count == 0)
            return 0;
        var matches = predicted.Count(expected.Contains);
        if (matches == 0)
            return 0;
        var precision = (double)matches / predicted.Count;
        var recall = (double)matches / expected.Count;
        return 2 * precision * recall / (precision + recall);
    }
}
