using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Keyphrases.Suggestions;

namespace DynamicCot.Keyphrases.Tests.Prompting;

/// <summary>
/// A Thinking checkpoint's format: the prompt opens <c>&lt;think&gt;\n</c>, targets continue it, the grammar starts inside
/// the block and still bounds the answer, the thinking cap closes it as the template does, and the parser reads it.
/// </summary>
public sealed class ThinkingCheckpointFormatTests
{
    private static readonly KeyphrasePromptBuilder Thinking = new(new KeyphrasePromptOptions { ThinkingFormat = ThinkingFormat.ThinkingCheckpoint });
    private static readonly MiniGbnf Auto = MiniGbnf.Parse(AnswerGrammar.For(ThinkingMode.Auto, format: ThinkingFormat.ThinkingCheckpoint));
    private static readonly MiniGbnf On = MiniGbnf.Parse(AnswerGrammar.For(ThinkingMode.On, format: ThinkingFormat.ThinkingCheckpoint));
    private static readonly MiniGbnf Off = MiniGbnf.Parse(AnswerGrammar.For(ThinkingMode.Off, format: ThinkingFormat.ThinkingCheckpoint));

    [Fact]
    public void The_prompt_ends_inside_the_opened_think_block_and_off_writes_the_empty_block()
    {
        Assert.EndsWith("<|im_start|>assistant\n<think>\n", Thinking.BuildPrompt("Storm floods the valley", hasImage: false));
        Assert.EndsWith("<|im_start|>assistant\n<think>\n", Thinking.BuildPrompt("Storm floods the valley", hasImage: false, ThinkingMode.On));
        Assert.EndsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n", Thinking.BuildPrompt("Storm floods the valley", hasImage: false, ThinkingMode.Off));
        // The project's markers: the prompt ends at the assistant header whatever the mode.
        Assert.EndsWith("<|im_start|>assistant\n", new KeyphrasePromptBuilder().BuildPrompt("Storm floods the valley", hasImage: false, ThinkingMode.Off));
        Assert.True(Thinking.StartsInsideThinkBlock(ThinkingMode.Auto));
        Assert.False(Thinking.StartsInsideThinkBlock(ThinkingMode.Off));
        Assert.False(new KeyphrasePromptBuilder().StartsInsideThinkBlock(ThinkingMode.Auto));
    }

    [Fact]
    public void Targets_continue_the_block_and_the_served_grammar_and_parser_accept_them()
    {
        var cot = Thinking.BuildTarget(["flood", "storm damage"], "Water covers the streets after the storm.");
        var sft = Thinking.BuildTarget(["flood", "storm damage"]);
        Assert.Equal("Water covers the streets after the storm.\n</think>\n\n<answer>flood, storm damage</answer><|im_end|>", cot);
        Assert.Equal("\n</think>\n\n<answer>flood, storm damage</answer><|im_end|>", sft);

        foreach (var target in new[] { cot, sft })
        {
            var generated = target[..target.IndexOf(ChatMarkup.ImEnd, StringComparison.Ordinal)];
            Assert.True(Auto.Accepts(generated), generated);
            var parsed = AnswerParser.Parse(target, insideThinkBlock: true);
            Assert.True(parsed.WellFormed, target);
            Assert.Equal(["flood", "storm damage"], parsed.Keyphrases);
        }
        Assert.Equal("Water covers the streets after the storm.", AnswerParser.Parse(cot, insideThinkBlock: true).Rationale);
        Assert.Null(AnswerParser.Parse(sft, insideThinkBlock: true).Rationale);
        // "on" needs reasoning; "off" (the prompt closed the block) only the answer.
        Assert.True(On.Accepts(cot[..cot.IndexOf(ChatMarkup.ImEnd, StringComparison.Ordinal)]));
        Assert.False(On.Accepts(sft[..sft.IndexOf(ChatMarkup.ImEnd, StringComparison.Ordinal)]));
        Assert.True(Off.Accepts("<answer>flood, storm damage</answer>"));
        Assert.False(Off.Accepts("x\n</think>\n\n<answer>flood</answer>"));
    }

    [Theory]
    [InlineData("<answer>a</answer>")]                    // the block was opened by the prompt and must be closed first
    [InlineData("x</think><answer>a</answer>")]            // the template's blank line after </think>
    [InlineData("x <b> y\n</think>\n\n<answer>a</answer>")] // angle brackets stay out of the reasoning
    [InlineData("x\n</think>\n\n<answer>a, b, , c</answer>")]
    [InlineData("x\n</think>\n\n<answer>a</answer> more")]
    public void The_grammar_still_bounds_the_answer(string output) => Assert.False(Auto.Accepts(output), output);

    [Fact]
    public void The_project_markers_require_a_think_block_when_thinking_is_on()
    {
        var on = MiniGbnf.Parse(AnswerGrammar.For(ThinkingMode.On));
        Assert.True(on.Accepts("<think>Flooded streets.</think><answer>flood</answer>"));
        Assert.False(on.Accepts("<answer>flood</answer>"));
        Assert.False(on.Accepts("<think> </think><answer>flood</answer>"));
    }

    [Theory]
    [InlineData("", "</think>\n\n<answer>")]
    [InlineData("The photo shows", "\n</think>\n\n<answer>")]
    [InlineData("The photo shows\n", "</think>\n\n<answer>")]
    [InlineData("The photo shows\n</thi", "nk>\n\n<answer>")]
    [InlineData("x\n</think>", "\n\n<answer>")]
    [InlineData("x\n</think>\n\n<ans", "wer>")]
    [InlineData("x\n</think>\n\n<answer>so", "")]
    public void A_capped_thinking_block_is_closed_as_the_template_closes_it(string generated, string expected)
    {
        var closing = ThinkingCap.ClosingTextAfter(generated, ThinkingFormat.ThinkingCheckpoint);

        Assert.Equal(expected, closing);
        if (!generated.Contains(ChatMarkup.AnswerOpen))
            Assert.True(Auto.Accepts(generated + closing + "sochi</answer>"), generated + closing);
    }

    [Fact]
    public void A_closed_block_not_followed_by_the_answer_is_refused_by_the_cap()
    {
        Assert.Throws<GeneratedTextFormatException>(() => ThinkingCap.ClosingTextAfter("x</think>hello", ThinkingFormat.ThinkingCheckpoint));
    }
}
