namespace DynamicCot.Keyphrases.Prompting;

/// <summary>How prompts are rendered. The defaults reproduce what Qwen2-VL's own chat template renders.</summary>
public sealed record KeyphrasePromptOptions
{
    /// <summary>
    /// The system message; null leaves the system turn out. Defaults to the one Qwen2-VL's template adds by itself,
    /// so prompts match what the model saw in instruction tuning.
    /// </summary>
    public string? SystemMessage { get; init; } = ChatMarkup.QwenDefaultSystemMessage;

    /// <summary>The marker mtmd replaces with the image chunk (must equal the mtmd context's <c>media_marker</c>).</summary>
    public string MediaMarker { get; init; } = ChatMarkup.DefaultMediaMarker;

    /// <summary>Most characters of post text kept (after sanitising); longer posts are cut at a word boundary.</summary>
    public int MaxTextCharacters { get; init; } = 2000;

    /// <summary>
    /// Where the rationale goes: the project's markers, or a Thinking checkpoint's own think block (see
    /// <see cref="ChatTemplateThinking"/>, which tells them apart from the checkpoint's chat template).
    /// </summary>
    public ThinkingFormat ThinkingFormat { get; init; } = ThinkingFormat.Markers;

    /// <summary>The task instruction placed before the post text; the same at training and inference.</summary>
    public string Instruction { get; init; } = DefaultInstruction;

    public const string DefaultInstruction =
        "Suggest hashtags (keyphrases) that sum up this post. " +
        "If it helps, reason briefly inside <think></think> first. " +
        "Then give the keyphrases inside <answer></answer> as a comma-separated list.";

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(MediaMarker, nameof(MediaMarker));
        ArgumentException.ThrowIfNullOrWhiteSpace(Instruction, nameof(Instruction));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxTextCharacters, nameof(MaxTextCharacters));
        if (!Enum.IsDefined(ThinkingFormat))
            throw new ArgumentOutOfRangeException(nameof(ThinkingFormat), ThinkingFormat, "Unknown thinking format.");
    }
}
