using DynamicCot.Keyphrases.Metrics;
using DynamicCot.Keyphrases.Text;

namespace DynamicCot.Keyphrases.Tests.Metrics;

/// <summary>Hand-worked cases: every expected number is derived in the comments from the protocol's definitions.</summary>
public sealed class KeyphraseEvaluatorTests
{
    private const double Tolerance = 1e-12;

    private static ScoreReport ScoreOne(string text, string[] gold, string[] predictions, string[]? training = null)
    {
        var normalizer = new KeyphraseNormalizer(new PorterStemmer());
        KeyphraseVocabulary? vocabulary = null;
        if (training is not null)
        {
            vocabulary = new KeyphraseVocabulary(normalizer);
            vocabulary.AddRange(training);
        }
        var evaluator = new KeyphraseEvaluator(normalizer, vocabulary);
        evaluator.Add(text, gold, predictions);
        return evaluator.Report();
    }

    private static void AssertScores(CategoryScore actual, double at1, double at3, double at5, double atM, int count)
    {
        Assert.Equal(count, actual.Count);
        Assert.Equal(at1, actual.F1At1, Tolerance);
        Assert.Equal(at3, actual.F1At3, Tolerance);
        Assert.Equal(at5, actual.F1At5, Tolerance);
        Assert.Equal(atM, actual.F1AtM, Tolerance);
    }

    [Fact]
    public void Splits_present_and_absent_and_restricts_both_gold_and_predictions()
    {
        // stemmed text: the cat sat on the mat
        // gold: cat (present, "cats" → cat), mat (present), dog (absent)
        // predictions in rank order: cat(P) dog(A) bird(A) mat(P)
        var report = ScoreOne("The cat sat on the mat.", ["cats", "mat", "dog"], ["cat", "dog", "bird", "mat"]);

        // all: gold 3, predictions [cat ✓, dog ✓, bird ✗, mat ✓]
        //   @1: 1 match / min(1,4)=1 → P = 1, R = 1/3, F1 = 2·1·(1/3) / (4/3) = 1/2
        //   @3: 2 / 3 → P = 2/3, R = 2/3, F1 = 2/3
        //   @5: min(5,4) = 4 → 3 matches: P = 3/4, R = 1, F1 = 1.5 / 1.75 = 6/7;  @M (k = 4) is the same
        AssertScores(report.All, 1.0 / 2, 2.0 / 3, 6.0 / 7, 6.0 / 7, count: 1);

        // present: gold {cat, mat}, predictions [cat, mat]
        //   @1: P = 1, R = 1/2, F1 = 1 / 1.5 = 2/3;  @3, @5, @M: min(k,2) = 2 → 2 matches, P = R = 1, F1 = 1
        AssertScores(report.Present, 2.0 / 3, 1, 1, 1, count: 1);

        // absent: gold {dog}, predictions [dog, bird]
        //   @1: P = 1, R = 1, F1 = 1;  @3, @5, @M: min(k,2) = 2 → 1 match, P = 1/2, R = 1, F1 = 1 / 1.5 = 2/3
        AssertScores(report.Absent, 1, 2.0 / 3, 2.0 / 3, 2.0 / 3, count: 1);

        // no training set given: unseen is not measured
        AssertScores(report.Unseen, 0, 0, 0, 0, count: 0);

        Assert.Equal(
            """{"all":{"f1@1":50.00,"f1@3":66.67,"f1@5":85.71,"f1@M":85.71,"count":1},"present":{"f1@1":66.67,"f1@3":100.00,"f1@5":100.00,"f1@M":100.00,"count":1},"absent":{"f1@1":100.00,"f1@3":66.67,"f1@5":66.67,"f1@M":66.67,"count":1},"unseen":{"f1@1":0.00,"f1@3":0.00,"f1@5":0.00,"f1@M":0.00,"count":0}}""",
            report.ToJson());
    }

    [Fact]
    public void Unseen_keeps_only_keyphrases_never_a_training_target_and_handles_multi_word_stems()
    {
        // training targets, normalised: cat, dog
        // gold: cat (seen), bird (unseen), "fish tank" (unseen); predictions: birds → bird, dog, "fish tanks" → "fish tank"
        var report = ScoreOne("a dog and a cat", ["cat", "bird", "fish tank"], ["birds", "dog", "fish tanks"],
            training: ["Cats", "dogs"]);

        // unseen: gold {bird, fish tank}, predictions [bird, fish tank] (dog is seen, so dropped)
        //   @1: P = 1, R = 1/2, F1 = 2/3;  @3/@5/@M: min(k,2) = 2 → 2 matches, P = R = 1, F1 = 1
        AssertScores(report.Unseen, 2.0 / 3, 1, 1, 1, count: 1);

        // all: gold {cat, bird, fish tank}, predictions [bird ✓, dog ✗, fish tank ✓]
        //   @1: P = 1, R = 1/3, F1 = 1/2;  @3/@5/@M: min(k,3) = 3 → 2 matches, P = R = 2/3, F1 = 2/3
        AssertScores(report.All, 1.0 / 2, 2.0 / 3, 2.0 / 3, 2.0 / 3, count: 1);

        // present: gold {cat} (in the text); predictions in the text: [dog] → 0 matches, F1 = 0 at every k
        AssertScores(report.Present, 0, 0, 0, 0, count: 1);
        // absent: gold {bird, fish tank}; absent predictions [bird, fish tank] → same numbers as unseen
        AssertScores(report.Absent, 2.0 / 3, 1, 1, 1, count: 1);
    }

    [Fact]
    public void Duplicates_after_stemming_count_once_in_gold_and_predictions()
    {
        // gold "Running shoes" and "running shoe" both stem to "run shoe" → gold {run shoe, sale} (2, not 3)
        // predictions "running shoes", "Running Shoes", "run shoe" all stem to "run shoe" → [run shoe, sale]
        var report = ScoreOne("big sale today", ["Running shoes", "running shoe", "sale"],
            ["running shoes", "Running Shoes", "run shoe", "sale"]);

        //   @1: 1 match, P = 1, R = 1/2, F1 = 2/3
        //   @3: min(3,2) = 2 → 2 matches, P = 1, R = 1, F1 = 1
        //   (without de-duplication the top 3 would be three copies of one phrase: P = 3/3 with R > 1 — wrong)
        AssertScores(report.All, 2.0 / 3, 1, 1, 1, count: 1);
    }

    [Fact]
    public void Fewer_predictions_than_k_divide_precision_by_the_number_of_predictions()
    {
        // gold {apple, banana, cherry, grape}; predictions [apple ✓, kiwi ✗]
        var report = ScoreOne("fruit", ["apple", "banana", "cherry", "grape"], ["apple", "kiwi"]);

        //   @1: P = 1/1, R = 1/4, F1 = 2·(1/4) / (5/4) = 2/5
        //   @3: min(3,2) = 2 → P = 1/2, R = 1/4, F1 = 2·(1/8) / (3/4) = 1/3   (with P = 1/3 it would be 2/7)
        //   @5 and @M: also min(k,2) = 2 → 1/3
        AssertScores(report.All, 2.0 / 5, 1.0 / 3, 1.0 / 3, 1.0 / 3, count: 1);
    }

    [Fact]
    public void Empty_predictions_score_zero_but_the_post_still_counts()
    {
        // no predictions (the punctuation-only "!!!" and the blank one have no word and are dropped):
        // precision is 0 by definition, so F1 = 0 at every k; the post has gold, so it counts.
        var report = ScoreOne("some text", ["apple"], ["!!!", " "]);
        AssertScores(report.All, 0, 0, 0, 0, count: 1);
        AssertScores(report.Absent, 0, 0, 0, 0, count: 1);
        // "apple" is not in the text, so no post has present gold
        AssertScores(report.Present, 0, 0, 0, 0, count: 0);
    }

    [Fact]
    public void Multi_word_keyphrases_are_present_only_as_contiguous_whole_words_in_order()
    {
        // stemmed text: i love new york , the big citi   ("city" → "citi")
        // gold: "new york" (contiguous → present), "york new" (wrong order → absent),
        //       "big apple" ("big" occurs but not followed by "apple" → absent), "new yorker" ("yorker" ≠ "york" → absent)
        var report = ScoreOne("I love New York, the big city", ["new york", "york new", "big apple", "new yorker"],
            ["big city", "new york"]);

        // present: gold {new york}; predictions [big citi (present, not gold) ✗, new york ✓]
        //   @1: 0 matches → 0;  @3/@5/@M: min(k,2) = 2 → 1 match, P = 1/2, R = 1, F1 = 2/3
        AssertScores(report.Present, 0, 2.0 / 3, 2.0 / 3, 2.0 / 3, count: 1);
        // absent: gold {york new, big apple, new yorker}; absent predictions: none → 0
        AssertScores(report.Absent, 0, 0, 0, 0, count: 1);
        // all: gold 4; predictions [big citi ✗, new york ✓]
        //   @1: 0;  @3: min(3,2) = 2 → P = 1/2, R = 1/4, F1 = 2·(1/8) / (3/4) = 1/3
        AssertScores(report.All, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3, count: 1);
    }

    [Fact]
    public void Macro_average_is_over_posts_with_gold_in_the_category()
    {
        var evaluator = new KeyphraseEvaluator();
        evaluator.Add("x", ["apple"], ["apple"]);  // F1 = 1 at every k
        evaluator.Add("x", ["apple"], ["pear"]);   // F1 = 0 at every k
        evaluator.Add("x", [], ["apple"]);          // no gold: not scored
        var report = evaluator.Report();

        // (1 + 0) / 2 posts = 1/2
        AssertScores(report.All, 0.5, 0.5, 0.5, 0.5, count: 2);
        Assert.Equal(3, evaluator.PostCount);
    }

    [Theory]
    [InlineData(0.666666, 66.67)]
    [InlineData(0.12345, 12.35)] // midpoint rounds away from zero
    [InlineData(1.0, 100.00)]
    public void Percent_has_two_decimals(double fraction, double percent) =>
        Assert.Equal((decimal)percent, ScoreReport.ToPercent(fraction));
}
