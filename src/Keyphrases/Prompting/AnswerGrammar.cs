using System.Buffers;
using System.Globalization;
using System.Text;
using DynamicCot.Keyphrases.Suggestions;

namespace DynamicCot.Keyphrases.Prompting;

/// <summary>
/// GBNF grammars (llama.cpp's grammar sampler, root rule <see cref="RootRule"/>) that make every generation parse:
/// an optional <c>&lt;think&gt;…&lt;/think&gt;</c> block, then <c>&lt;answer&gt;k1, k2&lt;/answer&gt;</c>.
/// </summary>
/// <remarks>
/// The tags are quoted literals, i.e. character sequences, not GBNF token references (<c>&lt;think&gt;</c> unquoted):
/// in Qwen2-VL and Qwen2.5-VL they are plain text, several tokens each. The grammar ends at <c>&lt;/answer&gt;</c>;
/// llama.cpp's grammar sampler then allows only end-of-generation tokens, so the model closes with
/// <c>&lt;|im_end|&gt;</c> as in its training targets. There is no whitespace between the parts, as in the targets.
/// </remarks>
public static class AnswerGrammar
{
    public const string RootRule = "root";

    /// <summary>
    /// The answer after its opening tag: where a sampler restarts when the engine itself closes a rationale that used
    /// its budget (forcing the closing text through a grammar could leave llama.cpp's grammar stack empty, which aborts).
    /// </summary>
    public const string AnswerBodyRule = "answer-body";

    /// <summary>Characters a keyphrase may not contain: the separator, the tag brackets and line breaks.</summary>
    public static SearchValues<char> ReservedKeyphraseCharacters { get; } = SearchValues.Create(",<>\r\n");

    /// <summary>The grammar for <paramref name="mode"/>.</summary>
    /// <remarks>
    /// <see cref="ThinkingMode.Capped"/> gets the <see cref="ThinkingMode.Auto"/> grammar: the token cap is enforced by the
    /// generator (see <see cref="ThinkingCap"/>); <see cref="AnswerGrammarOptions.MaxThinkingCharacters"/> bounds it in characters too.
    /// </remarks>
    /// <remarks>
    /// With <see cref="ThinkingFormat.ThinkingCheckpoint"/> the prompt has opened <c>&lt;think&gt;\n</c> (or, for
    /// <see cref="ThinkingMode.Off"/>, written the empty block), so the grammar starts inside the block: reasoning, then
    /// <c>&lt;/think&gt;\n\n</c>, then the same answer.
    /// </remarks>
    public static string For(ThinkingMode mode, AnswerGrammarOptions? options = null, ThinkingFormat format = ThinkingFormat.Markers)
    {
        options ??= new AnswerGrammarOptions();
        options.Validate();
        var thinking = mode switch
        {
            ThinkingMode.Auto or ThinkingMode.Capped => Thinking.Optional,
            ThinkingMode.On => Thinking.Required,
            ThinkingMode.Off => Thinking.None,
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown thinking mode."),
        };
        return format switch
        {
            ThinkingFormat.Markers => Build(options, thinking, insideOpenedBlock: false),
            ThinkingFormat.ThinkingCheckpoint => Build(options, thinking, insideOpenedBlock: true),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown thinking format."),
        };
    }

    private enum Thinking { None, Optional, Required }

    private static string Build(AnswerGrammarOptions options, Thinking thinking, bool insideOpenedBlock)
    {
        var grammar = new StringBuilder(512);
        grammar.Append("# DynamicCot answer format: ")
            .Append(thinking switch
            {
                Thinking.None => "<answer> only",
                _ when insideOpenedBlock => "reasoning in the think block the prompt opened, </think>, then <answer>",
                Thinking.Required => "<think> block with reasoning, then <answer>",
                _ => "optional <think> block, then <answer>",
            })
            .Append('\n');
        var root = thinking switch
        {
            Thinking.None => "answer",
            Thinking.Optional when !insideOpenedBlock => "think? answer",
            _ => "think answer",
        };
        grammar.Append(RootRule).Append(" ::= ").Append(root).Append('\n');
        if (thinking != Thinking.None)
        {
            var cap = options.MaxThinkingCharacters;
            grammar.Append("think ::= ");
            if (!insideOpenedBlock)
                grammar.Append(Literal(ChatMarkup.ThinkOpen)).Append(' ');
            if (thinking == Thinking.Required)
                grammar.Append("think-visible think-char").Append(cap is { } c ? Bounds(0, c - 1) : "*");
            else
                grammar.Append("think-char").Append(cap is { } c ? Bounds(0, c) : "*");
            grammar.Append(' ').Append(Literal(insideOpenedBlock ? ChatMarkup.ThinkClose + "\n\n" : ChatMarkup.ThinkClose)).Append('\n');
            // No angle brackets in the rationale: a '<' could only start the closing tag, which keeps the
            // grammar unambiguous and the parser simple.
            grammar.Append("think-char ::= [^<>]\n");
            if (thinking == Thinking.Required)
                grammar.Append("think-visible ::= [^<> \\t\\r\\n]\n");
        }
        grammar.Append("answer ::= ").Append(Literal(ChatMarkup.AnswerOpen)).Append(' ').Append(AnswerBodyRule).Append('\n');
        grammar.Append(AnswerBodyRule).Append(" ::= keyphrase");
        if (options.MaxKeyphrases > 1)
            grammar.Append(" (").Append(Literal(ChatMarkup.KeyphraseSeparator)).Append(" keyphrase)").Append(Bounds(0, options.MaxKeyphrases - 1));
        grammar.Append(' ').Append(Literal(ChatMarkup.AnswerClose)).Append('\n');
        // A keyphrase starts with a visible character, so ", , x" and blank keyphrases cannot be generated.
        grammar.Append("keyphrase ::= keyphrase-start");
        if (options.MaxKeyphraseCharacters > 1)
            grammar.Append(" keyphrase-char").Append(Bounds(0, options.MaxKeyphraseCharacters - 1));
        grammar.Append('\n');
        // No control characters and none of TagRules.ForbiddenCharacters: the model cannot spend tokens on what the
        // normaliser would drop ("equin{"). Escapes as llama.cpp's grammar parser reads them (\x, \[, \], \\, \").
        grammar.Append("keyphrase-start ::= [^").Append(ExcludedFromKeyphrases).Append(" ]\n");
        grammar.Append("keyphrase-char ::= [^").Append(ExcludedFromKeyphrases).Append("]\n");
        return grammar.ToString();
    }

    /// <summary>GBNF class body of the characters a keyphrase never contains: <see cref="TagRules.ForbiddenCharacters"/> and C0/C1 controls.</summary>
    private const string ExcludedFromKeyphrases = ",<>{}\\[\\]|\\\\\\\"\\x00-\\x1F\\x7F-\\x9F";

    private static string Bounds(int min, int max) => string.Create(CultureInfo.InvariantCulture, $"{{{min},{max}}}");

    /// <summary>A GBNF string literal; the tags need no escaping, but a changed constant must not break the grammar.</summary>
    private static string Literal(string text)
    {
        var literal = new StringBuilder(text.Length + 2).Append('"');
        foreach (var character in text)
        {
            _ = character switch
            {
                '"' => literal.Append("\\\""),
                '\\' => literal.Append("\\\\"),
                '\n' => literal.Append("\\n"),
                '\r' => literal.Append("\\r"),
                '\t' => literal.Append("\\t"),
                _ => literal.Append(character),
            };
        }
        return literal.Append('"').ToString();
    }
}
