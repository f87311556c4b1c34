using System.Text;
using System.Text.RegularExpressions;

namespace DynamicCot.Keyphrases.Prompting;

/// <summary>
/// Tells a Thinking checkpoint from its chat template: a Thinking template's generation prompt opens the think block
/// (Qwen3-VL-*-Thinking ends its template with <c>{{- '&lt;|im_start|&gt;assistant\n&lt;think&gt;\n' }}</c>, as does
/// Qwen3-*-Thinking-2507), while Instruct templates end with the bare assistant header and Qwen3's hybrid template
/// writes <c>&lt;think&gt;\n\n&lt;/think&gt;\n\n</c> only when thinking is switched off. The test is on what the
/// template writes unconditionally inside its <c>if add_generation_prompt</c> block: a <c>&lt;think&gt;</c> that no
/// <c>&lt;/think&gt;</c> follows. `convert` records the answer in <see cref="MetadataKey"/>; the trainer reads the
/// checkpoint's template itself.
/// </summary>
public static partial class ChatTemplateThinking
{
    /// <summary>GGUF metadata key (bool): the checkpoint's chat template opens <c>&lt;think&gt;</c> in its generation prompt.</summary>
    public const string MetadataKey = "dynamiccot.thinking_checkpoint";

    /// <summary>The format for a checkpoint whose chat template is <paramref name="template"/> (null: none, the project's markers).</summary>
    public static ThinkingFormat FormatOf(string? template) =>
        OpensThinkBlock(template) ? ThinkingFormat.ThinkingCheckpoint : ThinkingFormat.Markers;

    /// <summary>True when the generation prompt of <paramref name="template"/> leaves a <c>&lt;think&gt;</c> block open.</summary>
    public static bool OpensThinkBlock(string? template)
    {
        if (string.IsNullOrEmpty(template))
            return false;
        var output = GenerationPromptOutput(template);
        if (output is null)
            return false;
        var open = output.LastIndexOf(ChatMarkup.ThinkOpen, StringComparison.Ordinal);
        return open >= 0 && output.IndexOf(ChatMarkup.ThinkClose, open, StringComparison.Ordinal) < 0;
    }

    /// <summary>
    /// The text the last <c>if add_generation_prompt</c> block writes whatever the other variables are: its string
    /// literals in <c>{{ }}</c> and its literal text, outside any nested <c>if</c>/<c>for</c>; null when there is no such block.
    /// </summary>
    private static string? GenerationPromptOutput(string template)
    {
        var tags = Tag().Matches(template);
        var start = -1;
        for (var i = 0; i < tags.Count; i++)
        {
            if (GenerationPromptIf().IsMatch(tags[i].Groups["body"].Value))
                start = i;
        }
        if (start < 0)
            return null;
        var output = new StringBuilder();
        var depth = 0;
        for (var i = start + 1; i < tags.Count; i++)
        {
            var previousEnd = tags[i - 1].Index + tags[i - 1].Length;
            if (depth == 0)
                output.Append(template, previousEnd, tags[i].Index - previousEnd);
            var tag = tags[i];
            var body = tag.Groups["body"].Value.Trim();
            if (tag.Value.StartsWith("{%", StringComparison.Ordinal))
            {
                var keyword = body.Split(' ', 2)[0];
                if (keyword is "if" or "for" or "macro" or "raw" or "filter" or "call")
                    depth++;
                else if (depth == 0 && keyword is "else" or "elif" or "endif")
                    return output.ToString(); // the end of what add_generation_prompt writes
                else if (keyword is "endif" or "endfor" or "endmacro" or "endraw" or "endfilter" or "endcall")
                    depth--;
            }
            else if (tag.Value.StartsWith("{{", StringComparison.Ordinal) && depth == 0)
            {
                foreach (Match literal in StringLiteral().Matches(body))
                    output.Append(Unescape(literal.Groups["text"].Value));
            }
        }
        return output.ToString();
    }

    private static string Unescape(string text)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\' || i + 1 == text.Length)
            {
                result.Append(text[i]);
                continue;
            }
            i++;
            result.Append(text[i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', var other => other });
        }
        return result.ToString();
    }

    [GeneratedRegex(@"\{%-?(?<body>.*?)-?%\}|\{\{-?(?<body>.*?)-?\}\}|\{#.*?#\}", RegexOptions.Singleline)]
    private static partial Regex Tag();

    [GeneratedRegex(@"^\s*if\s+add_generation_prompt\s*$")]
    private static partial Regex GenerationPromptIf();

    [GeneratedRegex(@"'(?<text>(?:[^'\\]|\\.)*)'|""(?<text>(?:[^""\\]|\\.)*)""", RegexOptions.Singleline)]
    private static partial Regex StringLiteral();
}
