using DynamicCot.Keyphrases.Text;

namespace DynamicCot.Keyphrases.Data;

/// <summary>
/// How much of a test split's gold keyphrases the training split already contains: the paper's measure of how
/// "easy" a benchmark is (MMKP 97.32%, production 45.28%, MMKP-V2 44.92%).
/// </summary>
/// <param name="TestKeyphrases">Gold keyphrase occurrences in the test posts (distinct per post, after normalisation).</param>
/// <param name="SeenTestKeyphrases">Of those, how many are also a training target.</param>
/// <param name="DistinctTestKeyphrases">Distinct normalised keyphrases over the whole test split.</param>
/// <param name="DistinctSeenTestKeyphrases">Of those, how many are also a training target.</param>
public sealed record OverlapResult(int TestKeyphrases, int SeenTestKeyphrases, int DistinctTestKeyphrases, int DistinctSeenTestKeyphrases)
{
    /// <summary>Share of test keyphrase occurrences seen in training (0 when the test split has none).</summary>
    public double Overlap => TestKeyphrases == 0 ? 0 : (double)SeenTestKeyphrases / TestKeyphrases;

    /// <summary>Share of distinct test keyphrases seen in training.</summary>
    public double DistinctOverlap => DistinctTestKeyphrases == 0 ? 0 : (double)DistinctSeenTestKeyphrases / DistinctTestKeyphrases;
}

/// <summary>Measures train/test keyphrase overlap, comparing keyphrases as the metric does (normalised, stemmed).</summary>
public static class KeyphraseOverlap
{
    public static OverlapResult Measure(IEnumerable<KeyphrasePost> train, IEnumerable<KeyphrasePost> test, KeyphraseNormalizer? normalizer = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        normalizer ??= new KeyphraseNormalizer();
        var vocabulary = TrainingTargets(train, normalizer);

        int occurrences = 0, seen = 0;
        var distinct = new HashSet<StemmedPhrase>();
        foreach (var post in test)
        {
            foreach (var phrase in normalizer.NormalizeDistinct(post.Keyphrases))
            {
                occurrences++;
                if (vocabulary.Contains(phrase))
                    seen++;
                distinct.Add(phrase);
            }
        }
        return new OverlapResult(occurrences, seen, distinct.Count, distinct.Count(vocabulary.Contains));
    }

    /// <summary>
    /// Per test post with at least one gold keyphrase, the share (0..1) of its distinct normalised keyphrases that are
    /// training targets, in test order: how the overall overlap is spread over the posts.
    /// </summary>
    public static List<double> SeenSharePerPost(IEnumerable<KeyphrasePost> train, IEnumerable<KeyphrasePost> test, KeyphraseNormalizer? normalizer = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        normalizer ??= new KeyphraseNormalizer();
        var vocabulary = TrainingTargets(train, normalizer);
        var shares = new List<double>();
        foreach (var post in test)
        {
            var phrases = normalizer.NormalizeDistinct(post.Keyphrases);
            if (phrases.Count > 0)
                shares.Add((double)phrases.Count(vocabulary.Contains) / phrases.Count);
        }
        return shares;
    }

    private static KeyphraseVocabulary TrainingTargets(IEnumerable<KeyphrasePost> train, KeyphraseNormalizer normalizer)
    {
        var vocabulary = new KeyphraseVocabulary(normalizer);
        foreach (var post in train)
            vocabulary.AddRange(post.Keyphrases);
        return vocabulary;
    }
}
