namespace DynamicCot.Keyphrases.Prompting;

/// <summary>Where the rationale sits in the assistant turn, which depends on the checkpoint being served or trained.</summary>
public enum ThinkingFormat
{
    /// <summary>
    /// The project's answer format (Qwen2-VL, Qwen2.5-VL, Qwen3-VL Instruct): the prompt ends with the assistant header and
    /// the model writes <c>&lt;think&gt;rationale&lt;/think&gt;</c> itself, directly followed by <c>&lt;answer&gt;</c>.
    /// </summary>
    Markers,

    /// <summary>
    /// A Thinking checkpoint's own format (Qwen3-VL Thinking): its chat template's generation prompt opens
    /// <c>&lt;think&gt;\n</c>, the model reasons and closes with <c>\n&lt;/think&gt;\n\n</c>, then answers. Answering
    /// without reasoning is the empty block <c>&lt;think&gt;\n\n&lt;/think&gt;\n\n</c>, which is how Qwen3's templates
    /// render a turn without reasoning and how they switch thinking off.
    /// </summary>
    ThinkingCheckpoint,
}

/// <summary>The fixed text of <see cref="ThinkingFormat.ThinkingCheckpoint"/>, as Qwen3-VL Thinking's chat template writes it.</summary>
public static class ThinkingCheckpointMarkup
{
    /// <summary>What the generation prompt writes after <c>&lt;|im_start|&gt;assistant\n</c>: the opened think block.</summary>
    public const string Opened = ChatMarkup.ThinkOpen + "\n";

    /// <summary>What follows the reasoning: the template strips the reasoning's newlines and writes these around <c>&lt;/think&gt;</c>.</summary>
    public const string Close = "\n" + ChatMarkup.ThinkClose + "\n\n";

    /// <summary>The empty think block: a turn without reasoning (<c>--think off</c>, and the SFT target).</summary>
    public const string Empty = Opened + Close;
}
