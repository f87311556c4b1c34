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
/// order. Holding out the first h of them means every post carrying one of them goes to test, so those keyphrases
/// are unseen; the test split is then topped up to the requested size with the remaining posts in a seeded random
/// order, which mostly carry seen keyphrases. The overlap falls as h grows, so h is found by bisection and then
/// refined by a scan around it, keeping the h whose overlap is closest to the target.</para>
/// <para>Random splits of hashtag data already overlap a lot (CMKP ≈ 80%), so targets above the overlap of a plain
/// random split cannot be reached this way; the closest split is returned and <see cref="OverlapSplit.Overlap"/>
/// says what was achieved. When many posts are needed to hold keyphrases out, test grows beyond the requested
/// fraction rather than missing the target.</para>
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
        var best = FindHoldOutCount(model, targetOverlap);
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

    private static int FindHoldOutCount(SplitModel model, double target)
    {
        // Bisection for the first h whose overlap is at or below the target (overlap decreases with h, roughly).
        int low = 0, high = model.KeyphraseCount;
        while (low < high)
        {
            var middle = low + (high - low) / 2;
            if (model.OverlapFor(middle) > target) low = middle + 1;
            else high = middle;
        }
        // Not exactly monotone: keep the closest in a window around the crossing.
        var best = low;
        var bestDistance = double.MaxValue;
        for (var h = Math.Max(0, low - RefinementRadius); h <= Math.Min(model.KeyphraseCount, low + RefinementRadius); h++)
        {
            var distance = Math.Abs(model.OverlapFor(h) - target);
            if (distance < bestDistance)
            {
                best = h;
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
            var rank = new int[index.Count];
            var order = Enumerable.Range(0, index.Count).ToArray();
            random.Shuffle(order);
            for (var r = 0; r < order.Length; r++)
                rank[order[r]] = r;
            for (var p = 0; p < _phrasesOfPost.Length; p++)
                _phrasesOfPost[p] = [.. _phrasesOfPost[p].Select(id => rank[id])];

            _fillOrder = Enumerable.Range(0, posts.Count).ToArray();
            random.Shuffle(_fillOrder);
            _testSize = testSize;
            KeyphraseCount = index.Count;
        }

        public int KeyphraseCount { get; }

        /// <summary>Test = posts holding a keyphrase ranked below h, topped up in fill order to the test size.</summary>
        public bool[] Assign(int heldOut)
        {
            var inTest = new bool[_phrasesOfPost.Length];
            var testCount = 0;
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

        public double OverlapFor(int heldOut) => Measure(Assign(heldOut)).Overlap;

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
