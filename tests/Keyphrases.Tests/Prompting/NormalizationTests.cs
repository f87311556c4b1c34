using DynamicCot.Keyphrases.Prompting;

namespace DynamicCot.Keyphrases.Tests.Prompting;

public sealed class NormalizationTests
{
    [Theory]
    [InlineData("  #NepalEarthquake ", "NepalEarthquake")]
    [InlineData("##solar   eclipse\t", "solar eclipse")]
    [InlineData("#", "")]
    [InlineData(" \n ", "")]
    [InlineData("C#", "C")]
    [InlineData("Sochi2014", "Sochi2014")]
    [InlineData("\u0001photo\u0002 night\u0003", "photo night")]
    public void Clean_trims_hashes_and_collapses_whitespace_keeping_case(string raw, string expected)
    {
        Assert.Equal(expected, SuggestionNormalizer.Clean(raw));
    }

    [Fact]
    public void Comparison_key_is_invariant_case_folded()
    {
        Assert.Equal("ıstanbul straße", SuggestionNormalizer.ComparisonKey("#ıSTANBUL  STRAẞE"));
        Assert.Equal(SuggestionNormalizer.ComparisonKey("SochiProblems"), SuggestionNormalizer.ComparisonKey("#sochiproblems"));
    }

    [Theory]
    [InlineData("NepalEarthquake")]
    [InlineData("nepal earthquake")]
    [InlineData("nepal_earthquake")]
    [InlineData("nepal-earthquake")]
    [InlineData("#Nepal Earthquake")]
    [InlineData("nepalEarthquake")]
    [InlineData("NEPALEARTHQUAKE")]
    [InlineData("nepalearthquake")]
    public void Spellings_of_one_tag_snap_to_the_sites_spelling(string suggestion)
    {
        var vocabulary = new TagVocabulary(["Kathmandu", "NepalEarthquake"]);

        Assert.True(vocabulary.TryMatch(suggestion, out var existing));
        Assert.Equal("NepalEarthquake", existing);
        Assert.Equal("NepalEarthquake", vocabulary.Snap(suggestion));
    }

    [Fact]
    public void Segmented_gold_keyphrases_of_real_posts_snap_to_their_raw_hashtags()
    {
        var vocabulary = new TagVocabulary(RealPosts.All.SelectMany(post => post.GoldHashtags));

        foreach (var post in RealPosts.All)
        {
            for (var i = 0; i < post.GoldSegmented.Count; i++)
            {
                Assert.True(vocabulary.TryMatch(post.GoldSegmented[i], out var existing), post.GoldSegmented[i]);
                Assert.Equal(TagVocabulary.KeyOf(post.GoldHashtags[i]), TagVocabulary.KeyOf(existing));
            }
        }
        Assert.Equal("SouthKorea", vocabulary.Snap("south korea"));
        Assert.Equal("NotA2014SochiProblem", vocabulary.Snap("not a 2014 sochi problem"));
    }

    [Fact]
    public void Of_tags_sharing_a_key_the_first_is_kept()
    {
        var vocabulary = new TagVocabulary(["sochi", "Sochi", "", null, "  ", "SOCHI"]);

        Assert.Equal(1, vocabulary.Count);
        Assert.Equal("sochi", vocabulary.Snap("#Sochi"));
    }

    [Fact]
    public void Unknown_suggestions_are_only_cleaned()
    {
        var vocabulary = new TagVocabulary(["Sochi"]);

        Assert.False(vocabulary.TryMatch("Sochi2014", out _));
        Assert.Equal("Sochi 2014", vocabulary.Snap(" #Sochi  2014 "));
        Assert.False(vocabulary.TryMatch("#", out _));
        Assert.False(TagVocabulary.Empty.TryMatch("Sochi", out _));
    }

    [Fact]
    public void Tags_without_letters_or_digits_still_match_themselves()
    {
        var vocabulary = new TagVocabulary(["😂", "🔥🔥"]);

        Assert.Equal("😂", vocabulary.Snap("#😂"));
        Assert.False(vocabulary.TryMatch("🔥", out _));
    }

    [Fact]
    public void Keys_ignore_punctuation_and_keep_non_latin_letters()
    {
        Assert.Equal("stpatricksday", TagVocabulary.KeyOf("St. Patrick's Day"));
        Assert.Equal("covid19", TagVocabulary.KeyOf("COVID-19"));
        Assert.Equal("東京2020", TagVocabulary.KeyOf("#東京 2020"));
        Assert.Equal("cafe\u0301", TagVocabulary.KeyOf("Cafe\u0301"));
    }

    [Fact]
    public void Normalize_dedupes_keeping_first_position_and_best_confidence()
    {
        var result = SuggestionNormalizer.Normalize(
        [
            new("#Sochi", 0.4),
            new("toilet", 0.9),
            new("sochi", 0.8),
            new(" ", 1.0),
            new("Sochi Problems", 0.3),
            new("sochi_problems", 0.6),
        ]);

        Assert.Equal(["Sochi", "toilet", "Sochi Problems"], result.Select(s => s.Text));
        Assert.Equal([0.8, 0.9, 0.6], result.Select(s => s.Confidence));
        Assert.All(result, s => Assert.False(s.MatchedExistingTag));
    }

    [Fact]
    public void Normalize_snaps_to_the_vocabulary_and_prefers_the_sites_spelling_for_duplicates()
    {
        var vocabulary = new TagVocabulary(["SochiProblems", "Olympics"]);

        var result = SuggestionNormalizer.Normalize(
        [
            new("sochi problems", 0.7),
            new("winter games", 0.5),
            new("#olympics", 0.2),
        ], vocabulary);

        Assert.Equal(["SochiProblems", "winter games", "Olympics"], result.Select(s => s.Text));
        Assert.Equal([true, false, true], result.Select(s => s.MatchedExistingTag));
    }

    [Fact]
    public void Normalize_filters_by_confidence_then_limits_the_count()
    {
        var result = SuggestionNormalizer.Normalize(
            [new("aa", 0.9), new("bb", 0.1), new("cc", 0.5), new("dd", 0.7), new("ee", double.NaN)],
            maxKeyphrases: 2,
            minConfidence: 0.5);

        Assert.Equal(["aa", "cc"], result.Select(s => s.Text));
    }
}
