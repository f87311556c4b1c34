using DynamicCot.Keyphrases.Data;
using DynamicCot.Keyphrases.Data.Import;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Keyphrases.Tests.Data;

public sealed class OverlapTests
{
    private static readonly Lazy<List<KeyphrasePost>> Valid = new(() =>
        [.. DatasetImporter.Read(DatasetImportFormat.Cmkp, TestPaths.Data("cmkp_dev", "valid.jsonl"))]);

    private static readonly Lazy<List<KeyphrasePost>> Train200 = new(() =>
        [.. DatasetImporter.Read(DatasetImportFormat.Cmkp, TestPaths.Data("cmkp_dev", "train_sample200.jsonl"))]);

    [Fact]
    public void Counts_seen_keyphrases_by_hand_on_a_small_case()
    {
        KeyphrasePost Post(string id, params string[] kps) => new(id, "t", null, kps);
        // train targets (stemmed): cat, dog, new york
        // test occurrences (distinct per post): [cat ✓, bird ✗], [cats → cat ✓, new york ✓], [bird ✗]
        //   → 3 seen of 5 = 60%; distinct test phrases {cat, bird, new york}: 2 seen of 3
        var result = KeyphraseOverlap.Measure(
            [Post("a", "cat", "dog"), Post("b", "New York")],
            [Post("c", "cat", "bird"), Post("d", "cats", "new york", "Cats"), Post("e", "bird")]);
        Assert.Equal(new OverlapResult(5, 3, 3, 2), result);
        Assert.Equal(0.6, result.Overlap, 12);
        Assert.Equal(2.0 / 3, result.DistinctOverlap, 12);
    }

    [Fact]
    public void Measures_CMKP_validation_overlap_with_the_train_sample()
    {
        var result = KeyphraseOverlap.Measure(Train200.Value, Valid.Value);
        // 5,370 posts carry 7,185 distinct-per-post keyphrase occurrences; a 200-post sample of training covers
        // only the most frequent hashtags, so the overlap is low but not zero.
        Assert.InRange(result.TestKeyphrases, 7000, 7300);
        Assert.InRange(result.Overlap, 0.10, 0.30);
        Assert.True(result.DistinctOverlap < result.Overlap); // seen hashtags are the frequent ones
    }

    [Fact]
    public void Re_splits_CMKP_to_45_percent_overlap_deterministically()
    {
        var split = OverlapSplitter.Split(Valid.Value, targetOverlap: 0.45, testFraction: 0.1, seed: 7);
        Assert.InRange(split.Overlap.Overlap, 0.43, 0.47);
        Assert.Equal(Valid.Value.Count, split.Train.Count + split.Test.Count);
        Assert.Empty(split.Train.Select(p => p.Id).Intersect(split.Test.Select(p => p.Id)));
        Assert.All(split.Test, p => Assert.Equal("test", p.Split));

        // the reported overlap is what an independent measurement of the two splits gives
        Assert.Equal(KeyphraseOverlap.Measure(split.Train, split.Test), split.Overlap);

        var again = OverlapSplitter.Split(Valid.Value, 0.45, 0.1, seed: 7);
        Assert.Equal(split.Test.Select(p => p.Id), again.Test.Select(p => p.Id));
        var otherSeed = OverlapSplitter.Split(Valid.Value, 0.45, 0.1, seed: 8);
        Assert.NotEqual(split.Test.Select(p => p.Id), otherSeed.Test.Select(p => p.Id));
        Assert.InRange(otherSeed.Overlap.Overlap, 0.43, 0.47);
    }

    [Fact]
    public void Raises_overlap_above_a_random_split_by_preferring_posts_with_repeated_keyphrases()
    {
        // a plain random 10% split of this data overlaps ≈ 80% (measured: setting 0 on the splitter's axis)
        var split = OverlapSplitter.Split(Valid.Value, targetOverlap: 0.90, testFraction: 0.1, seed: 1);
        Assert.InRange(split.Overlap.Overlap, 0.88, 0.92);
        Assert.Equal(537, split.Test.Count); // nothing held out, so test keeps the requested size: round(0.1 × 5370)
    }

    [Fact]
    public void An_unreachable_target_returns_the_closest_split_and_says_what_it_achieved()
    {
        var split = OverlapSplitter.Split(Train200.Value, targetOverlap: 1.0, testFraction: 0.1, seed: 1);
        Assert.True(split.Overlap.Overlap < 1.0);
        Assert.Equal(KeyphraseOverlap.Measure(split.Train, split.Test), split.Overlap);
    }

    [Theory]
    [InlineData(-0.1, 0.1)]
    [InlineData(1.1, 0.1)]
    [InlineData(0.5, 0)]
    [InlineData(0.5, 1)]
    public void Rejects_out_of_range_arguments(double target, double fraction) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => OverlapSplitter.Split(Train200.Value, target, fraction, 1));
}
