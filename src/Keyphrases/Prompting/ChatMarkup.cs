namespace DynamicCot.Keyphrases.Prompting;

/// <summary>
/// The fixed strings of the paper's prompt/answer format and of Qwen2-VL's ChatML chat template.
/// One place, so the prompt builder, the grammars and the parser can never disagree on a tag.
/// </summary>
public static class ChatMarkup
{
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";

    /// <summary>llama.cpp's default mtmd media marker (<c>mtmd_default_marker()</c>).</summary>
    public const string DefaultMediaMarker = "<__media__>";

    public const string ThinkOpen = "<think>";
    public const string ThinkClose = "</think>";
    public const string AnswerOpen = "<answer>";
    public const string AnswerClose = "</answer>";

    /// <summary>Separator between keyphrases inside <c>&lt;answer&gt;</c>, in targets and in the grammar.</summary>
    public const string KeyphraseSeparator = ", ";

    /// <summary>The system message Qwen2-VL's chat template inserts when the conversation has none.</summary>
    public const string QwenDefaultSystemMessage = "You are a helpful assistant.";
}
