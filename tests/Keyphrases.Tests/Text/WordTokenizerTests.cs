using DynamicCot.Keyphrases.Text;
using DynamicCot.Tests.Shared;
using System.Text.Json;

namespace DynamicCot.Keyphrases.Tests.Text;

public sealed class WordTokenizerTests
{
    [Theory]
    [InlineData("In #Sochi, the men use double-toilets.", "In|Sochi|,|the|men|use|double-toilets|.")]
    [InlineData("don’t stop... now!!", "don't|stop|...|now|!!")]
    [InlineData("meet us at the booth (# <number> ) !", "meet|us|at|the|booth|(|#|<number>|)|!")]
    [InlineData("it ' s t - shirt time", "it|'|s|t|-|shirt|time")]
    [InlineData("  ", "")]
    public void Splits_words_punctuation_and_hashtags(string text, string expected) =>
        Assert.Equal(expected, string.Join('|', WordTokenizer.Tokenize(text)));

    /// <summary>
    /// The published scorer splits CMKP's pre-tokenised text on whitespace. Our tokeniser must make the same
    /// present/absent decision for every gold keyphrase of the real CMKP validation split.
    /// </summary>
    [Fact]
    public void Agrees_with_whitespace_splitting_on_every_CMKP_presence_decision()
    {
        var stemmer = new PorterStemmer();
        var normalizer = new KeyphraseNormalizer(stemmer);
        int decisions = 0, present = 0;
        var disagreements = new List<string>();
        foreach (var line in File.ReadLines(TestPaths.Data("cmkp_dev", "valid.jsonl")))
        {
            using var post = JsonDocument.Parse(line);
            var text = post.RootElement.GetProperty("text").GetString()!;
            var whitespaceText = new StemmedText(text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(stemmer.Stem).ToList());
            var ourText = normalizer.StemText(text);
            foreach (var gold in post.RootElement.GetProperty("keyphrases").EnumerateArray())
            {
                var keyphrase = gold.GetString()!;
                var whitespacePhrase = new StemmedPhrase(keyphrase.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(stemmer.Stem).ToList());
                var ourPhrase = normalizer.Normalize(keyphrase)!;
                decisions++;
                var expected = whitespaceText.Contains(whitespacePhrase);
                present += expected ? 1 : 0;
                if (expected != ourText.Contains(ourPhrase))
                    disagreements.Add($"{keyphrase} in: {text}");
            }
        }
        Assert.True(decisions > 5000);
        Assert.InRange(present, 1, decisions - 1); // both kinds occur, so the comparison means something
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements.Take(20)));
    }
}
