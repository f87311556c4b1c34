using DynamicCot.Keyphrases.Prompting;

namespace DynamicCot.Keyphrases.Tests.Prompting;

public sealed class AnswerParserTests
{
    [Fact]
    public void Well_formed_answer_without_thinking()
    {
        var parsed = AnswerParser.Parse("<answer>kidfail, south korea, uhoh</answer>");

        Assert.Equal(["kidfail", "south korea", "uhoh"], parsed.Keyphrases);
        Assert.Null(parsed.Rationale);
        Assert.True(parsed.WellFormed);
    }

    [Fact]
    public void Well_formed_answer_with_thinking_and_trailing_end_of_turn()
    {
        var parsed = AnswerParser.Parse("<think> The dad's passport\n was drawn on. </think><answer>DoodleDisaster, passport</answer><|im_end|>\n");

        Assert.Equal(["DoodleDisaster", "passport"], parsed.Keyphrases);
        Assert.Equal("The dad's passport was drawn on.", parsed.Rationale);
        Assert.True(parsed.WellFormed);
    }

    [Fact]
    public void Every_training_target_parses_back_to_its_keyphrases_and_rationale()
    {
        var builder = new KeyphrasePromptBuilder();
        foreach (var post in RealPosts.All)
        {
            var parsed = AnswerParser.Parse(builder.BuildTarget(post.GoldHashtags, "Because of the photo."));

            Assert.True(parsed.WellFormed);
            Assert.Equal(post.GoldHashtags, parsed.Keyphrases);
            Assert.Equal("Because of the photo.", parsed.Rationale);
        }
    }

    [Fact]
    public void Missing_closing_answer_tag_still_yields_keyphrases()
    {
        var parsed = AnswerParser.Parse("<answer>sochi, toilet, ");

        Assert.Equal(["sochi", "toilet"], parsed.Keyphrases);
        Assert.False(parsed.WellFormed);
    }

    [Fact]
    public void Missing_closing_think_tag_runs_the_rationale_to_the_answer()
    {
        var parsed = AnswerParser.Parse("<think>two toilets side by side<answer>Sochi</answer>");

        Assert.Equal("two toilets side by side", parsed.Rationale);
        Assert.Equal(["Sochi"], parsed.Keyphrases);
        Assert.False(parsed.WellFormed);
    }

    [Fact]
    public void Output_cut_inside_the_rationale_has_no_keyphrases()
    {
        var parsed = AnswerParser.Parse("<think>The image shows a solar ecl");

        Assert.Equal("The image shows a solar ecl", parsed.Rationale);
        Assert.Empty(parsed.Keyphrases);
        Assert.False(parsed.WellFormed);
    }

    [Fact]
    public void Hashes_quotes_and_extra_whitespace_are_trimmed()
    {
        var parsed = AnswerParser.Parse("<answer>  #SolarEclipse ,  \"ISS\",## space   station , '#Space'</answer>");

        Assert.Equal(["SolarEclipse", "ISS", "space station", "Space"], parsed.Keyphrases);
        Assert.True(parsed.WellFormed);
    }

    [Theory]
    [InlineData("<answer>a; b;c</answer>")]
    [InlineData("<answer>a\nb\r\nc</answer>")]
    [InlineData("<answer>a，b、c</answer>")]
    [InlineData("<answer>#a #b #c</answer>")]
    [InlineData("<answer>a<|im_end|>b, c</answer>")]
    public void Semicolons_newlines_cjk_commas_hashtag_runs_and_stray_tokens_separate(string raw)
    {
        Assert.Equal(["a", "b", "c"], AnswerParser.Parse(raw).Keyphrases);
    }

    [Fact]
    public void A_hashtag_followed_by_plain_words_stays_one_keyphrase()
    {
        Assert.Equal(["a b"], AnswerParser.Parse("<answer>#a b</answer>").Keyphrases);
    }

    [Fact]
    public void Untagged_output_is_read_as_a_list_but_not_well_formed()
    {
        var parsed = AnswerParser.Parse("#Sochi, #Olympics2014<|im_end|>");

        Assert.Equal(["Sochi", "Olympics2014"], parsed.Keyphrases);
        Assert.False(parsed.WellFormed);
    }

    [Theory]
    [InlineData("junk<answer>a</answer>")]
    [InlineData("<answer>a</answer> and more")]
    [InlineData("<answer></answer>")]
    [InlineData("<answer> , ;</answer>")]
    [InlineData("<think>x</think> hm <answer>a</answer>")]
    [InlineData("<answer>a</answer><think>late</think>")]
    public void Deviations_from_the_format_are_not_well_formed(string raw)
    {
        Assert.False(AnswerParser.Parse(raw).WellFormed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("<<<>>>")]
    [InlineData("</answer></think><answer><think>")]
    [InlineData("<|")]
    [InlineData("<answer><")]
    [InlineData("\uD800\uDC00\uD800 <answer>\uDFFF")]
    [InlineData("<think><think></think></think><answer>,,,</answer></answer>")]
    public void Garbage_never_throws(string? raw)
    {
        var parsed = AnswerParser.Parse(raw);

        Assert.NotNull(parsed.Keyphrases);
        Assert.False(parsed.WellFormed);
        Assert.Equal(parsed.Keyphrases.Count, parsed.KeyphraseSpans.Count);
    }

    [Fact]
    public void Random_text_never_throws_and_spans_stay_inside_it()
    {
        var random = new Random(7);
        const string alphabet = "<>/|#,; \nathinkswer_中😂";
        var pieces = new[] { "<think>", "</think>", "<answer>", "</answer>", "<|im_end|>", ", " };
        for (var i = 0; i < 2000; i++)
        {
            var length = random.Next(0, 40);
            var raw = string.Concat(Enumerable.Range(0, length).Select(_ =>
                random.Next(4) == 0 ? pieces[random.Next(pieces.Length)] : alphabet[random.Next(alphabet.Length)].ToString()));

            var parsed = AnswerParser.Parse(raw);

            Assert.Equal(parsed.Keyphrases.Count, parsed.KeyphraseSpans.Count);
            Assert.All(parsed.KeyphraseSpans, span => Assert.InRange(span.End, span.Start + 1, raw.Length));
            Assert.All(parsed.Keyphrases, keyphrase => Assert.False(string.IsNullOrWhiteSpace(keyphrase)));
        }
    }

    [Fact]
    public void Spans_point_at_the_keyphrases_in_the_raw_text()
    {
        const string raw = "<think>r</think><answer>#Sochi, winter  olympics</answer>";

        var parsed = AnswerParser.Parse(raw);

        Assert.Equal(["Sochi", "winter  olympics"], parsed.KeyphraseSpans.Select(span => span.Of(raw).ToString()));
        Assert.Equal(["Sochi", "winter olympics"], parsed.Keyphrases);
    }
}
