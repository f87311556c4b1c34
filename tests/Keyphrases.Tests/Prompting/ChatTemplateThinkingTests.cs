using DynamicCot.Keyphrases.Prompting;

namespace DynamicCot.Keyphrases.Tests.Prompting;

/// <summary>A Thinking checkpoint is told from its chat template: its generation prompt leaves <c>&lt;think&gt;</c> open.</summary>
public sealed class ChatTemplateThinkingTests
{
    [Theory]
    // Qwen3-VL-*-Thinking and Qwen3-*-Thinking-2507: the generation prompt opens the block.
    [InlineData("{%- for m in messages %}{{ m.content }}{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n<think>\\n' }}\n{%- endif %}", true)]
    [InlineData("{% if add_generation_prompt %}{{ \"<|im_start|>assistant\\n\" }}{{ '<think>\\n' }}{% endif %}", true)]
    [InlineData("{% if add_generation_prompt %}<|im_start|>assistant\n<think>\n{% endif %}", true)]
    // Instruct: the bare assistant header.
    [InlineData("{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n{%- endif %}", false)]
    // Qwen3's hybrid template: the empty block only when thinking is switched off (a nested condition).
    [InlineData("{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n    {%- if enable_thinking is defined and enable_thinking is false %}\n        {{- '<think>\\n\\n</think>\\n\\n' }}\n    {%- endif %}\n{%- endif %}", false)]
    // A template that always writes the empty block does not leave it open.
    [InlineData("{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n<think>\\n\\n</think>\\n\\n' }}{% endif %}", false)]
    // <think> in an assistant turn's rendering, not in the generation prompt.
    [InlineData("{% for m in messages %}{{ '<think>\\n' + m.reasoning_content }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% else %}{{ '<think>\\n' }}{% endif %}", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void The_generation_prompt_decides(string? template, bool thinking)
    {
        Assert.Equal(thinking, ChatTemplateThinking.OpensThinkBlock(template));
        Assert.Equal(thinking ? ThinkingFormat.ThinkingCheckpoint : ThinkingFormat.Markers, ChatTemplateThinking.FormatOf(template));
    }
}
