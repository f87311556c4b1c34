using DynamicCot.Keyphrases.Text;

namespace DynamicCot.Keyphrases.Data;

/// <summary>The outcome of <see cref="OverlapSplitter.Split"/>: both splits (split field set) and their overlap.</summary>
public sealed record OverlapSplit(IReadOnlyList<KeyphrasePost> Train, IReadOnlyList<KeyphrasePost> Test, OverlapResult Overlap);

/// <summary>
/// Re-splits a dataset so that the test split's keyphrase overlap with training is near a target, the way MMKP-V2
/// was cut from MMKP to look like production data (45% rather than 97% of test keyphrases seen in training).
/// </summary>
/// <remarks>
/// <para>Method (deterministic for a given seed): the distinct normalised keyphrases are put in a seeded random
/// order. Holding out the first h of them sends every post carrying one of them to test, so those keyphrases are
/// unseen; the test split is then topped up to the requested size with the remaining posts in a seeded random
/// order, which mostly carry seen keyphrases. To go above the overlap of a plain random split instead, the first q
/// top-up posts are taken from those whose keyphrases all occur in at least two posts. Both knobs lie on one
/// axis (…, q = 2, q = 1, h = 0, h = 1, …) along which the overlap falls, so the setting is found by bisection and
/// then refined by a scan around it, keeping the one whose overlap is closest to the target.</para>
/// <para>When many posts are needed to hold keyphrases out, test grows beyond the requested fraction rather than
/// missing the target; a target that cannot be reached yields the closest split, and
/// <see cref="OverlapSplit.Overlap"/> always says what was achieved.</para>
/// </remarks>
public static class OverlapSplitter
{
    private const int RefinementRadius = 64;

    /// <param name="posts">All posts to distribute (ids unique); posts without keyphrases always go to train.</param>
    /// <param name="targetOverlap">Wanted share of test keyphrase occurrences seen in training, in [0, 1].</param>
    /// <param name="testFraction">Wanted share of posts in test, in (0, 1).</param>
    /// <param name="seed">Same posts + same seed = same split.</param>
    public static OverlapSplit Split(IReadOnlyList<KeyphrasePost> posts, double targetOverlap, double testFraction, int seed,
        KeyphraseNormalizer? normalizer = null)
    {
        ArgumentNullException.ThrowIfNull(posts);
        if (targetOverlap is < 0 or > 1 || double.IsNaN(targetOverlap))
            throw new ArgumentOutOfRangeException(nameof(targetOverlap), targetOverlap, "target overlap must be between 0 and 1");
        if (testFraction is <= 0 or >= 1 || double.IsNaN(testFraction))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "test fraction must be between 0 and 1 (exclusive)");
        normalizer ??= new KeyphraseNormalizer();

        var model = new SplitModel(posts, normalizer, seed, (int)Math.Round(testFraction * posts.Count));
        var best = FindSetting(model, targetOverlap);
        var inTest = model.Assign(best);

        var train = new List<KeyphrasePost>();
        var test = new List<KeyphrasePost>();
        for (var i = 0; i < posts.Count; i++)
        {
            if (inTest[i]) test.Add(posts[i] with { Split = "test" });
            else train.Add(posts[i] with { Split = "train" });
        }
        return new OverlapSplit(train, test, model.Measure(inTest));
    }

    /// <summary>The setting on <see cref="SplitModel.Assign"/>'s axis whose overlap is closest to the target.</summary>
    private static int FindSetting(SplitModel model, double target)
    {
        // Bisection for the first setting whose overlap is at or below the target (overlap falls along the axis, roughly).
        int low = model.LowestSetting, high = model.HighestSetting;
        while (low < high)
        {
            var middle = low + (high - low) / 2;
            if (model.OverlapFor(middle) > target) low = middle + 1;
            else high = middle;
        }
        // Not exactly monotone: keep the closest in a window around the crossing.
        var best = low;
        var bestDistance = double.MaxValue;
        for (var setting = Math.Max(model.LowestSetting, low - RefinementRadius); setting <= Math.Min(model.HighestSetting, low + RefinementRadius); setting++)
        {
            var distance = Math.Abs(model.OverlapFor(setting) - target);
            if (distance < bestDistance)
            {
                best = setting;
                bestDistance = distance;
            }
        }
        return best;
    }

    /// <summary>Posts as indices into a seeded order of distinct keyphrases, so a candidate split costs O(posts).</summary>
    private sealed class SplitModel
    {
        private readonly int[][] _phrasesOfPost;
        private readonly int[] _fillOrder;
        private readonly int[] _frequentFillOrder;
        private readonly int _testSize;

        public SplitModel(IReadOnlyList<KeyphrasePost> posts, KeyphraseNormalizer normalizer, int seed, int testSize)
        {
            var random = new Random(seed);
            var index = new Dictionary<StemmedPhrase, int>();
            _phrasesOfPost = new int[posts.Count][];
            for (var p = 0; p < posts.Count; p++)
            {
                var phrases = normalizer.NormalizeDistinct(posts[p].Keyphrases);
                _phrasesOfPost[p] = phrases.Select(phrase =>
                {
                    if (!index.TryGetValue(phrase, out var id))
                    {
                        id = index.Count;
                        index.Add(phrase, id);
                    }
                    return id;
                }).ToArray();
            }

            // Rank keyphrases in a seeded random order; a keyphrase's rank decides when it is held out.
            var rankOf = new int[index.Count];
            var order = Enumerable.Range(0, index.Count).ToArray();
            random.Shuffle(order);
            for (var r = 0; r < order.Length; r++)
                rankOf[order[r]] = r;
            for (var p = 0; p < _phrasesOfPost.Length; p++)
                _phrasesOfPost[p] = [.. _phrasesOfPost[p].Select(id => rankOf[id])];

            _fillOrder = Enumerable.Range(0, posts.Count).ToArray();
            random.Shuffle(_fillOrder);

            // Posts whose every keyphrase also occurs in another post: in test, they most likely count as seen.
            var frequency = new int[index.Count];
            foreach (var phrases in _phrasesOfPost)
            {
                foreach (var rank in phrases)
                    frequency[rank]++;
            }
            _frequentFillOrder = _fillOrder.Where(p => _phrasesOfPost[p].Length > 0 && _phrasesOfPost[p].All(rank => frequency[rank] > 1)).ToArray();
            _testSize = testSize;
            KeyphraseCount = index.Count;
        }

        public int KeyphraseCount { get; }

        /// <summary>Most negative setting: every top-up post drawn from the frequent-keyphrase posts.</summary>
        public int LowestSetting => -Math.Min(_frequentFillOrder.Length, _testSize);

        /// <summary>Every keyphrase held out.</summary>
        public int HighestSetting => KeyphraseCount;

        /// <summary>
        /// A setting ≥ 0 holds out that many keyphrases: test = posts holding a keyphrase ranked below it, topped up
        /// in random order to the test size. A setting &lt; 0 holds none out and takes its magnitude of top-up
        /// posts from the frequent-keyphrase posts first.
        /// </summary>
        public bool[] Assign(int setting)
        {
            var heldOut = Math.Max(setting, 0);
            var inTest = new bool[_phrasesOfPost.Length];
            var testCount = 0;
            for (var i = 0; i < -setting && i < _frequentFillOrder.Length && testCount < _testSize; i++)
            {
                inTest[_frequentFillOrder[i]] = true;
                testCount++;
            }
            for (var p = 0; p < _phrasesOfPost.Length; p++)
            {
                foreach (var rank in _phrasesOfPost[p])
                {
                    if (rank < heldOut)
                    {
                        inTest[p] = true;
                        testCount++;
                        break;
                    }
                }
            }
            foreach (var p in _fillOrder)
            {
                if (testCount >= _testSize)
                    break;
                if (!inTest[p] && _phrasesOfPost[p].Length > 0)
                {
                    inTest[p] = true;
                    testCount++;
                }
            }
            return inTest;
        }

        public double OverlapFor(int setting) => Measure(Assign(setting)).Overlap;

        public OverlapResult Measure(bool[] inTest)
        {
            var inTrain = new bool[KeyphraseCount];
            for (var p = 0; p < inTest.Length; p++)
            {
                if (!inTest[p])
                {
                    foreach (var rank in _phrasesOfPost[p])
                        inTrain[rank] = true;
                }
            }
            int occurrences = 0, seen = 0;
            var inTestSplit = new bool[KeyphraseCount];
            for (var p = 0; p < inTest.Length; p++)
            {
                if (!inTest[p])
                    continue;
                foreach (var rank in _phrasesOfPost[p])
                {
                    occurrences++;
                    if (inTrain[rank]) seen++;
                    inTestSplit[rank] = true;
                }
            }
            int distinct = 0, distinctSeen = 0;
            for (var k = 0; k < KeyphraseCount; k++)
            {
                if (!inTestSplit[k]) continue;
                distinct++;
                if (inTrain[k]) distinctSeen++;
            }
            return new OverlapResult(occurrences, seen, distinct, distinctSeen);
        }
    }
}
