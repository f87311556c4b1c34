using System.Text;
using DynamicCot.Keyphrases.Prompting;

namespace DynamicCot.Keyphrases.Tests.Prompting;

public sealed class KeyphraseConfidenceTests
{
    [Fact]
    public void Geometric_mean_is_the_per_token_probability_of_the_whole_keyphrase()
    {
        Assert.Equal(0.5, KeyphraseConfidence.GeometricMean([0.25, 1.0]), 12);
        Assert.Equal(Math.Pow(0.9 * 0.8 * 0.1, 1.0 / 3), KeyphraseConfidence.GeometricMean([0.9, 0.8, 0.1]), 12);
        Assert.Equal(0, KeyphraseConfidence.GeometricMean([]));
        Assert.InRange(KeyphraseConfidence.GeometricMean([0.0, 1.0]), 0, 1e-5);
    }

    [Fact]
    public void Each_keyphrase_gets_the_mean_over_the_tokens_that_wrote_it()
    {
        string[] pieces = ["<answer>", "sol", "ar", " eclipse", ",", " ISS", "</answer>"];
        double[] probabilities = [1.0, 0.5, 0.8, 0.9, 0.99, 0.2, 1.0];
        var tokens = GeneratedTokenText.FromPieces(pieces);
        var parsed = AnswerParser.Parse(tokens.Text);

        var confidences = KeyphraseConfidence.ForKeyphrases(parsed, tokens, probabilities);

        Assert.Equal(["solar eclipse", "ISS"], parsed.Keyphrases);
        Assert.Equal(Math.Pow(0.5 * 0.8 * 0.9, 1.0 / 3), confidences[0], 12);
        Assert.Equal(0.2, confidences[1], 12);
    }

    [Fact]
    public void Token_range_of_a_keyphrase_covers_every_token_that_wrote_part_of_it()
    {
        var tokens = GeneratedTokenText.FromPieces(["<answer>", "sol", "ar", " eclipse", ",", " ISS", "</answer>"]);
        var parsed = AnswerParser.Parse(tokens.Text);

        Assert.Equal(1..4, tokens.TokensCovering(parsed.KeyphraseSpans[0]));
        Assert.Equal(5..6, tokens.TokensCovering(parsed.KeyphraseSpans[1]));
        Assert.Equal(0..0, tokens.TokensCovering(new CharSpan(tokens.Text.Length, 0)));
    }

    [Fact]
    public void A_token_straddling_the_separator_counts_for_both_neighbours()
    {
        var tokens = GeneratedTokenText.FromPieces(["<answer>", "a", ", b", "</answer>"]);
        var parsed = AnswerParser.Parse(tokens.Text);

        var confidences = KeyphraseConfidence.ForKeyphrases(parsed, tokens, [1, 0.5, 0.25, 1]);

        Assert.Equal(0.5, confidences[0], 12);
        Assert.Equal(0.25, confidences[1], 12);
    }

    [Fact]
    public void Utf8_pieces_that_split_a_character_map_to_the_character_they_build()
    {
        var emoji = Encoding.UTF8.GetBytes("😂");
        ReadOnlyMemory<byte>[] pieces =
        [
            Encoding.UTF8.GetBytes("<answer>"),
            emoji.AsMemory(0, 2),
            emoji.AsMemory(2, 2),
            Encoding.UTF8.GetBytes(", café</answer>"),
        ];

        var tokens = GeneratedTokenText.FromUtf8Pieces(pieces);

        Assert.Equal("<answer>😂, café</answer>", tokens.Text);
        Assert.Equal(new CharSpan(8, 2), tokens.TokenSpans[1]);
        Assert.Equal(new CharSpan(8, 2), tokens.TokenSpans[2]);
        Assert.Equal(new CharSpan(10, 15), tokens.TokenSpans[3]);

        var parsed = AnswerParser.Parse(tokens.Text);
        var confidences = KeyphraseConfidence.ForKeyphrases(parsed, tokens, [1, 0.25, 1, 0.5]);
        Assert.Equal(["😂", "café"], parsed.Keyphrases);
        Assert.Equal(0.5, confidences[0], 12);
        Assert.Equal(0.5, confidences[1], 12);
    }

    [Fact]
    public void Invalid_utf8_decodes_to_replacement_characters_like_the_framework()
    {
        byte[] invalid = [0x61, 0xFF, 0xE2, 0x82, 0x62];
        ReadOnlyMemory<byte>[] pieces = [invalid.AsMemory(0, 2), invalid.AsMemory(2, 3), ReadOnlyMemory<byte>.Empty];

        var tokens = GeneratedTokenText.FromUtf8Pieces(pieces);

        Assert.Equal(Encoding.UTF8.GetString(invalid), tokens.Text);
        Assert.Equal(3, tokens.TokenSpans.Count);
        Assert.Equal(0, tokens.TokenSpans[2].Length);
    }

    [Fact]
    public void Misaligned_probabilities_are_refused()
    {
        var tokens = GeneratedTokenText.FromPieces(["<answer>", "a", "</answer>"]);
        var parsed = AnswerParser.Parse(tokens.Text);

        var error = Assert.Throws<TokenAlignmentException>(() => KeyphraseConfidence.ForKeyphrases(parsed, tokens, [1.0, 0.5]));
        Assert.Contains("2 token probabilities for 3 generated tokens", error.Message);

        var foreign = AnswerParser.Parse("<answer>a much longer answer than the tokens</answer>");
        Assert.Throws<TokenAlignmentException>(() => KeyphraseConfidence.ForKeyphrases(foreign, tokens, [1.0, 0.5, 1.0]));
    }
}
