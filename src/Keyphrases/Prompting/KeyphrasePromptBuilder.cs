using System.Text;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Keyphrases.Text;

namespace DynamicCot.Keyphrases.Prompting;

/// <summary>
/// Renders the paper's prompt (post + instruction, in Qwen2-VL's ChatML) and training targets
/// (<c>&lt;think&gt;…&lt;/think&gt;&lt;answer&gt;k1, k2&lt;/answer&gt;&lt;|im_end|&gt;</c>). Training and inference use this one
/// class so the model is always asked the way it was taught. Output is a pure function of the inputs.
/// </summary>
public sealed class KeyphrasePromptBuilder
{
    private readonly KeyphrasePromptOptions _options;

    public KeyphrasePromptBuilder(KeyphrasePromptOptions? options = null)
    {
        _options = options ?? new KeyphrasePromptOptions();
        _options.Validate();
    }

    public KeyphrasePromptOptions Options => _options;

    /// <summary>
    /// The full prompt up to and including the assistant turn's header; generation continues from its end.
    /// </summary>
    /// <remarks>
    /// With an image the user turn starts with only the media marker. Qwen2-VL's template writes
    /// <c>&lt;|vision_start|&gt;&lt;|image_pad|&gt;&lt;|vision_end|&gt;</c> there, but llama.cpp's mtmd wraps the image
    /// embeddings in <c>&lt;|vision_start|&gt;</c>…<c>&lt;|vision_end|&gt;</c> itself for the Qwen2-VL/Qwen2.5-VL
    /// projectors (mtmd.cpp, <c>PROJECTOR_TYPE_QWEN2VL</c>), so writing them here would duplicate them.
    /// </remarks>
    /// <exception cref="SuggestionInputException">No image and no text left after sanitising.</exception>
    public string BuildPrompt(string text, bool hasImage) => BuildPrompt(text, hasImage, ThinkingMode.Auto);

    /// <summary>
    /// The prompt for <paramref name="thinking"/>. With <see cref="ThinkingFormat.ThinkingCheckpoint"/> it ends as the
    /// checkpoint's own generation prompt does, inside an opened <c>&lt;think&gt;\n</c>, or, with
    /// <see cref="ThinkingMode.Off"/>, after the empty think block (Qwen3's way of answering without reasoning).
    /// </summary>
    public string BuildPrompt(string text, bool hasImage, ThinkingMode thinking)
    {
        ArgumentNullException.ThrowIfNull(text);
        var post = PostTextSanitizer.Sanitize(ForTokenizer(text), _options.MediaMarker, _options.MaxTextCharacters);
        if (post.Text.Length == 0 && !hasImage)
            throw new SuggestionInputException(
                "The post text is empty (after removing control tokens and whitespace) and there is no image: there is nothing to suggest keyphrases for.");

        var prompt = new StringBuilder(post.Text.Length + _options.Instruction.Length + 160);
        if (_options.SystemMessage is { } system)
            AppendTurn(prompt, "system", system);
        prompt.Append(ChatMarkup.ImStart).Append("user\n");
        if (hasImage)
            prompt.Append(_options.MediaMarker);
        prompt.Append(_options.Instruction);
        if (post.Text.Length > 0)
            prompt.Append("\nPost: ").Append(post.Text);
        prompt.Append(ChatMarkup.ImEnd).Append('\n');
        prompt.Append(ChatMarkup.ImStart).Append("assistant\n").Append(AssistantPrefill(thinking));
        return prompt.ToString();
    }

    /// <summary>The part of the assistant turn the prompt writes for the model (empty with the project's markers).</summary>
    public string AssistantPrefill(ThinkingMode thinking) => _options.ThinkingFormat switch
    {
        ThinkingFormat.ThinkingCheckpoint => thinking == ThinkingMode.Off ? ThinkingCheckpointMarkup.Empty : ThinkingCheckpointMarkup.Opened,
        _ => "",
    };

    /// <summary>Whether the generated text starts inside a think block the prompt opened (what the answer parser needs to know).</summary>
    public bool StartsInsideThinkBlock(ThinkingMode thinking) => AssistantPrefill(thinking) == ThinkingCheckpointMarkup.Opened;

    /// <summary>
    /// The assistant's training target: <c>&lt;think&gt;rationale&lt;/think&gt;&lt;answer&gt;k1, k2&lt;/answer&gt;&lt;|im_end|&gt;</c>,
    /// or without the think block when <paramref name="rationale"/> is null or blank. For a Thinking checkpoint it
    /// continues the prompt's opened block: <c>rationale\n&lt;/think&gt;\n\n&lt;answer&gt;…</c>, and without a rationale
    /// <c>\n&lt;/think&gt;\n\n&lt;answer&gt;…</c> (the empty block, as the model's template writes a turn without reasoning). Every target it writes is
    /// accepted by <see cref="AnswerGrammar"/> (given its limits are not below the target's).
    /// </summary>
    /// <exception cref="KeyphraseFormatException">A keyphrase is empty or contains a comma, angle bracket or line break.</exception>
    public string BuildTarget(IReadOnlyList<string> keyphrases, string? rationale = null)
    {
        ArgumentNullException.ThrowIfNull(keyphrases);
        if (keyphrases.Count == 0)
            throw new ArgumentException("A target needs at least one keyphrase.", nameof(keyphrases));

        var target = new StringBuilder(64);
        var thought = rationale is null ? "" : CleanRationale(rationale);
        if (_options.ThinkingFormat == ThinkingFormat.ThinkingCheckpoint)
            target.Append(thought).Append(ThinkingCheckpointMarkup.Close); // after the prompt's "<think>\n"; empty: the empty block
        else if (thought.Length > 0)
            target.Append(ChatMarkup.ThinkOpen).Append(thought).Append(ChatMarkup.ThinkClose);
        target.Append(ChatMarkup.AnswerOpen);
        for (var i = 0; i < keyphrases.Count; i++)
        {
            if (i > 0)
                target.Append(ChatMarkup.KeyphraseSeparator);
            target.Append(CleanTargetKeyphrase(keyphrases[i]));
        }
        target.Append(ChatMarkup.AnswerClose).Append(ChatMarkup.ImEnd);
        return ForTokenizer(target.ToString());
    }

    /// <summary>
    /// Text as Qwen's tokenizer sees it: its <c>tokenizer.json</c> normalises to Unicode NFC before splitting, and
    /// llama.cpp's tokenizer does not normalise at all, so text that is not in NFC (decomposed accents, some Korean
    /// and Indic input) would get other ids than the model was trained on. Serving and training both pass through here.
    /// </summary>
    public static string ForTokenizer(string text)
    {
        // A lone surrogate is not text (Normalize refuses it); UTF-8 encoding turns it into U+FFFD, as the engine would.
        if (HasLoneSurrogate(text))
            text = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));
        return UnicodeNfc.Normalize(text);
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(text[i]))
                return true;
        }
        return false;
    }

    private static void AppendTurn(StringBuilder prompt, string role, string content) =>
        prompt.Append(ChatMarkup.ImStart).Append(role).Append('\n').Append(content).Append(ChatMarkup.ImEnd).Append('\n');

    /// <summary>
    /// A rationale may come from a teacher model: control tokens go, whitespace collapses, and angle brackets become
    /// look-alikes (‹ ›) because the think grammar forbids them; a target the grammar cannot produce would teach the
    /// model an output it will never be allowed to write.
    /// </summary>
    private string CleanRationale(string rationale)
    {
        var cleaned = PostTextSanitizer.Sanitize(rationale, _options.MediaMarker).Text;
        return cleaned.Replace('<', '‹').Replace('>', '›');
    }

    private static string CleanTargetKeyphrase(string? keyphrase)
    {
        if (keyphrase is null)
            throw new KeyphraseFormatException("(null)", "it is null");
        var cleaned = SuggestionNormalizer.Clean(keyphrase);
        if (cleaned.Length == 0)
            throw new KeyphraseFormatException(keyphrase, "it is empty once '#' and whitespace are trimmed");
        var reserved = cleaned.AsSpan().IndexOfAny(AnswerGrammar.ReservedKeyphraseCharacters);
        if (reserved >= 0)
            throw new KeyphraseFormatException(keyphrase, $"it contains '{Printable(cleaned[reserved])}', which the answer format reserves");
        return cleaned;
    }

    private static string Printable(char character) => character switch
    {
        '\n' => "\\n",
        '\r' => "\\r",
        _ => character.ToString(),
    };
}
