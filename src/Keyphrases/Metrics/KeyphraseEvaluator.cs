using DynamicCot.Keyphrases.Text;

namespace DynamicCot.Keyphrases.Metrics;

/// <summary>
/// Scores ranked keyphrase predictions post by post and macro-averages them, following the protocol of the
/// keyphrase-generation literature (Meng et al. 2017; CMKP, Wang et al. 2020) that the paper reports with.
/// </summary>
/// <remarks>
/// <para>Per post: gold and predicted keyphrases are normalised (<see cref="KeyphraseNormalizer"/>: lowercase,
/// tokenise, Porter-stem every token); predictions with no word are dropped; duplicates after stemming are dropped,
/// keeping the first (so a repeated prediction cannot be counted twice nor push a later one out of the top k).</para>
/// <para>Categories: a keyphrase (gold or predicted) is <b>present</b> when its stemmed tokens occur contiguously in
/// the post's stemmed text, else <b>absent</b>; it is <b>unseen</b> when it is not among the normalised training
/// targets. For a category, the post's gold list is restricted to the gold keyphrases in that category and its
/// prediction list to the predictions in that category, keeping their rank order; F1@k is then computed on those
/// two lists (<see cref="RankedF1"/>), so e.g. absent F1@5 looks at the top five <i>absent</i> predictions.</para>
/// <para>A post counts towards a category's macro average only when it has at least one gold keyphrase in that
/// category (recall is undefined otherwise); <see cref="CategoryScore.Count"/> is that number of posts. This holds
/// for "all" too, so a post with no gold keyphrase at all is not scored.</para>
/// </remarks>
public sealed class KeyphraseEvaluator
{
    private static readonly KeyphraseCategory[] Categories = Enum.GetValues<KeyphraseCategory>();

    private readonly KeyphraseNormalizer _normalizer;
    private readonly KeyphraseVocabulary? _training;
    private readonly Sum[] _sums = new Sum[Categories.Length];

    /// <param name="normalizer">The normalisation shared with the training vocabulary.</param>
    /// <param name="trainingTargets">Training keyphrases; without them the unseen category stays unmeasured (count 0).</param>
    public KeyphraseEvaluator(KeyphraseNormalizer normalizer, KeyphraseVocabulary? trainingTargets = null)
    {
        _normalizer = normalizer ?? throw new ArgumentNullException(nameof(normalizer));
        _training = trainingTargets;
    }

    public KeyphraseEvaluator() : this(new KeyphraseNormalizer())
    {
    }

    /// <summary>Posts added so far.</summary>
    public int PostCount { get; private set; }

    /// <summary>Adds one post: its source text, gold keyphrases and ranked predictions (possibly empty).</summary>
    public void Add(string sourceText, IEnumerable<string> gold, IEnumerable<string> predictions)
    {
        ArgumentNullException.ThrowIfNull(sourceText);
        var text = _normalizer.StemText(sourceText);
        var goldPhrases = _normalizer.NormalizeDistinct(gold);
        var predicted = _normalizer.NormalizeDistinct(predictions);
        PostCount++;

        foreach (var category in Categories)
        {
            if (category == KeyphraseCategory.Unseen && _training is null)
                continue;
            var goldInCategory = goldPhrases.Where(p => IsIn(category, p, text)).ToHashSet();
            if (goldInCategory.Count == 0)
                continue;
            var predictedInCategory = predicted.Where(p => IsIn(category, p, text)).ToList();
            _sums[(int)category].Add(RankedF1.Compute(goldInCategory, predictedInCategory));
        }
    }

    public ScoreReport Report() => new(
        _sums[(int)KeyphraseCategory.All].Average(),
        _sums[(int)KeyphraseCategory.Present].Average(),
        _sums[(int)KeyphraseCategory.Absent].Average(),
        _sums[(int)KeyphraseCategory.Unseen].Average());

    private bool IsIn(KeyphraseCategory category, StemmedPhrase phrase, StemmedText text) => category switch
    {
        KeyphraseCategory.All => true,
        KeyphraseCategory.Present => text.Contains(phrase),
        KeyphraseCategory.Absent => !text.Contains(phrase),
        KeyphraseCategory.Unseen => _training is not null && !_training.Contains(phrase),
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, null),
    };

    private struct Sum
    {
        private double _at1, _at3, _at5, _atM;
        private int _count;

        public void Add(PostF1 f1)
        {
            _at1 += f1.At1;
            _at3 += f1.At3;
            _at5 += f1.At5;
            _atM += f1.AtM;
            _count++;
        }

        public readonly CategoryScore Average() => _count == 0
            ? CategoryScore.Empty
            : new CategoryScore(_at1 / _count, _at3 / _count, _at5 / _count, _atM / _count, _count);
    }
}
