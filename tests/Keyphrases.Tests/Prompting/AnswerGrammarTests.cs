using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Keyphrases.Suggestions;

namespace DynamicCot.Keyphrases.Tests.Prompting;

public sealed class AnswerGrammarTests
{
    private static readonly MiniGbnf Auto = MiniGbnf.Parse(AnswerGrammar.For(ThinkingMode.Auto));
    private static readonly MiniGbnf Off = MiniGbnf.Parse(AnswerGrammar.For(ThinkingMode.Off));

    [Theory]
    [InlineData(ThinkingMode.Auto)]
    [InlineData(ThinkingMode.Off)]
    [InlineData(ThinkingMode.Capped)]
    public void Every_grammar_parses_with_a_root_and_dashed_lowercase_rule_names(ThinkingMode mode)
    {
        var grammar = MiniGbnf.Parse(AnswerGrammar.For(mode, new AnswerGrammarOptions { MaxThinkingCharacters = 300 }));

        Assert.Contains(AnswerGrammar.RootRule, grammar.RuleNames);
        Assert.All(grammar.RuleNames, name => Assert.Matches("^[a-z]+(-[a-z]+)*$", name));
    }

    [Fact]
    public void Grammars_are_deterministic_and_use_repetition_bounds()
    {
        var grammar = AnswerGrammar.For(ThinkingMode.Auto);

        Assert.Equal(grammar, AnswerGrammar.For(ThinkingMode.Auto, new AnswerGrammarOptions()));
        Assert.Contains("(\", \" keyphrase){0,9}", grammar);
        Assert.Contains("keyphrase-char{0,63}", grammar);
    }

    [Theory]
    [InlineData("<answer>nepal earthquake</answer>")]
    [InlineData("<answer>#SochiProblems, Sochi2014, 😂</answer>")]
    [InlineData("<think>The passport is covered in a toddler's drawings.</think><answer>passport, DoodleDisaster</answer>")]
    [InlineData("<think></think><answer>x</answer>")]
    [InlineData("<think>line one\nline two</think><answer>solar eclipse, ISS</answer>")]
    [InlineData("<answer>a b , c</answer>")]
    public void Auto_accepts_the_answer_format_with_or_without_thinking(string output)
    {
        Assert.True(Auto.Accepts(output), output);
    }

    [Theory]
    [InlineData("")]
    [InlineData("<answer></answer>")]
    [InlineData("<answer>x")]
    [InlineData("<answer> x</answer>")]
    [InlineData("<answer>a,b</answer>")]
    [InlineData("<answer>a, , b</answer>")]
    [InlineData("<answer>a,  b</answer>")]
    [InlineData("<answer>a\nb</answer>")]
    [InlineData("<answer>a</answer>\n")]
    [InlineData("<answer>a</answer><|im_end|>")]
    [InlineData("<answer><b></answer>")]
    [InlineData("<think>x</think>\n<answer>a</answer>")]
    [InlineData("<think>a < b</think><answer>a</answer>")]
    [InlineData("<think>x<answer>a</answer>")]
    [InlineData("nepal, earthquake")]
    [InlineData("<answer>a</answer><answer>b</answer>")]
    public void Auto_rejects_anything_else(string output)
    {
        Assert.False(Auto.Accepts(output), output);
    }

    [Fact]
    public void Off_accepts_answers_and_rejects_thinking()
    {
        Assert.True(Off.Accepts("<answer>sochi, toilet</answer>"));
        Assert.False(Off.Accepts("<think>hmm</think><answer>sochi</answer>"));
        Assert.False(Off.Accepts("<think></think><answer>sochi</answer>"));
    }

    [Fact]
    public void Keyphrase_count_is_bounded_by_max_keyphrases()
    {
        var grammar = MiniGbnf.Parse(AnswerGrammar.For(ThinkingMode.Off, new AnswerGrammarOptions { MaxKeyphrases = 3 }));

        Assert.True(grammar.Accepts("<answer>a, b, c</answer>"));
        Assert.False(grammar.Accepts("<answer>a, b, c, d</answer>"));

        var single = AnswerGrammar.For(ThinkingMode.Off, new AnswerGrammarOptions { MaxKeyphrases = 1, MaxKeyphraseCharacters = 1 });
        Assert.DoesNotContain("{0,0}", single);
        Assert.True(MiniGbnf.Parse(single).Accepts("<answer>x</answer>"));
        Assert.False(MiniGbnf.Parse(single).Accepts("<answer>xy</answer>"));
        Assert.False(MiniGbnf.Parse(single).Accepts("<answer>x, y</answer>"));
    }

    [Fact]
    public void Default_grammar_takes_ten_keyphrases_of_up_to_64_characters()
    {
        var ten = string.Join(", ", Enumerable.Range(1, 10).Select(i => $"tag{i}"));
        var longest = new string('k', 64);

        Assert.True(Auto.Accepts($"<answer>{ten}</answer>"));
        Assert.False(Auto.Accepts($"<answer>{ten}, tag11</answer>"));
        Assert.True(Auto.Accepts($"<answer>{longest}</answer>"));
        Assert.False(Auto.Accepts($"<answer>{longest}k</answer>"));
    }

    [Fact]
    public void Thinking_characters_can_be_bounded()
    {
        var grammar = MiniGbnf.Parse(AnswerGrammar.For(ThinkingMode.Capped, new AnswerGrammarOptions { MaxThinkingCharacters = 10 }));

        Assert.True(grammar.Accepts("<think>0123456789</think><answer>a</answer>"));
        Assert.False(grammar.Accepts("<think>0123456789X</think><answer>a</answer>"));
        Assert.True(grammar.Accepts("<answer>a</answer>"));
    }

    [Theory]
    [InlineData(0, 64, null, "MaxKeyphrases")]
    [InlineData(10, 0, null, "MaxKeyphraseCharacters")]
    [InlineData(10, 64, 0, "MaxThinkingCharacters")]
    [InlineData(10, 64, 100_000, "MaxThinkingCharacters")]
    public void Invalid_limits_are_refused_naming_the_option(int maxKeyphrases, int maxCharacters, int? maxThinking, string option)
    {
        var options = new AnswerGrammarOptions { MaxKeyphrases = maxKeyphrases, MaxKeyphraseCharacters = maxCharacters, MaxThinkingCharacters = maxThinking };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => AnswerGrammar.For(ThinkingMode.Auto, options));
        Assert.Equal(option, error.ParamName);
    }

    [Fact]
    public void Training_targets_of_every_real_post_are_outputs_the_grammar_allows()
    {
        var builder = new KeyphrasePromptBuilder();
        foreach (var post in RealPosts.All)
        {
            foreach (var rationale in new[] { null, $"The post mentions {post.GoldSegmented[0]}; the photo matches." })
            {
                var target = builder.BuildTarget(post.GoldSegmented, rationale);
                Assert.EndsWith(ChatMarkup.ImEnd, target);
                // The grammar stops at </answer>; the end-of-turn token is what llama.cpp then allows.
                var output = target[..^ChatMarkup.ImEnd.Length];
                Assert.True(Auto.Accepts(output), output);
                Assert.Equal(rationale is null, Off.Accepts(output));
            }
        }
    }

    [Theory]
    [InlineData("", "<answer>")]
    [InlineData("<", "answer>")]
    [InlineData("<ans", "wer>")]
    [InlineData("<thi", "nk></think><answer>")]
    [InlineData("<think>", "</think><answer>")]
    [InlineData("<think>The photo shows", "</think><answer>")]
    [InlineData("<think>The photo shows<", "/think><answer>")]
    [InlineData("<think>The photo shows</thi", "nk><answer>")]
    [InlineData("<think>x</think>", "<answer>")]
    [InlineData("<think>x</think><ans", "wer>")]
    [InlineData("<think>x</think><answer>", "")]
    [InlineData("<answer>sochi, to", "")]
    public void Capped_thinking_is_closed_with_the_shortest_grammatical_text(string generated, string expected)
    {
        var closing = ThinkingCap.ClosingTextAfter(generated);

        Assert.Equal(expected, closing);
        if (!generated.Contains(ChatMarkup.AnswerOpen))
            Assert.True(Auto.Accepts(generated + closing + "sochi</answer>"), generated + closing);
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("<think>x</think>hello")]
    public void Closing_text_refuses_output_that_left_the_format(string generated)
    {
        var error = Assert.Throws<GeneratedTextFormatException>(() => ThinkingCap.ClosingTextAfter(generated));

        Assert.Equal(generated, error.GeneratedText);
    }
}
