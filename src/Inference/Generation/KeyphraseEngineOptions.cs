using DynamicCot.Inference.Images;
using DynamicCot.Keyphrases.Prompting;

namespace DynamicCot.Inference.Generation;

/// <summary>How to run the keyphrase model.</summary>
public sealed record KeyphraseEngineOptions
{
    /// <summary>The language-model GGUF.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The multimodal projector GGUF; null for a text-only engine (images are then refused).</summary>
    public string? ProjectorPath { get; init; }

    /// <summary>A LoRA adapter GGUF (from <c>dynamiccot-finetune train</c>) applied on top of the model, or null.</summary>
    public string? AdapterPath { get; init; }

    /// <summary>Strength of the adapter (1 = as trained).</summary>
    public float AdapterScale { get; init; } = 1f;

    /// <summary>Layers offloaded to the GPU (-1 all, 0 none); ignored by the CPU build.</summary>
    public int GpuLayers { get; init; } = -1;

    public int Threads { get; init; } = LlamaThreads.Default;

    /// <summary>Most sequences one context decodes together; also the bound of the plugin's <c>ParallelRequests</c>.</summary>
    public const int MaxParallelSequencesLimit = 64;

    /// <summary>Requests decoded together (continuous batching: each holds one sequence of the shared context).</summary>
    public int MaxParallelSequences { get; init; } = 4;

    /// <summary>KV-cache positions per sequence: prompt (text + image) plus generated tokens must fit.</summary>
    public int ContextPerSequence { get; init; } = 2048;

    /// <summary>Most tokens per decode call (prompt evaluation is split into batches of this size).</summary>
    public int BatchSize { get; init; } = 512;

    /// <summary>Requests waiting beyond the running ones; more are refused with <see cref="Suggestions.SuggesterOverloadedException"/>.</summary>
    public int QueueLimit { get; init; } = 64;

    /// <summary>
    /// Image token budget per image. Null: the budget the model was trained with, recorded in its GGUF metadata
    /// (<see cref="DynamicCot.Keyphrases.Prompting.ServingProfile"/>), else the projector's default; a value that differs
    /// from the recorded one is used with a warning. -1: the projector's default. Fewer tokens are faster.
    /// </summary>
    public int? ImageMaxTokens { get; init; }

    public int ImageMinTokens { get; init; } = ImageTokenBudget.ProjectorDefault;

    /// <summary>Constrain output to the answer grammar so it always parses.</summary>
    public bool UseGrammar { get; init; } = true;

    /// <summary>
    /// For greedy requests, check the model's own pick against the grammar and constrain the whole vocabulary only
    /// when it is refused (the same tokens, much cheaper at a 151,936-token vocabulary). Off: the grammar filters every
    /// candidate before every pick. Sampled requests always use the full constraint.
    /// </summary>
    public bool CheckPickAgainstGrammar { get; init; } = true;

    public ImageDecoderOptions ImageDecoding { get; init; } = new();

    public KeyphrasePromptOptions Prompt { get; init; } = new();

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelPath))
            throw new ArgumentException("KeyphraseEngineOptions.ModelPath is required.");
        if (MaxParallelSequences is < 1 or > MaxParallelSequencesLimit)
            throw new ArgumentException($"MaxParallelSequences must be 1–{MaxParallelSequencesLimit}, got {MaxParallelSequences}.");
        if (ContextPerSequence < 256)
            throw new ArgumentException($"ContextPerSequence must be at least 256, got {ContextPerSequence}.");
        if (BatchSize < 16)
            throw new ArgumentException($"BatchSize must be at least 16, got {BatchSize}.");
        if (QueueLimit < 0)
            throw new ArgumentException($"QueueLimit must not be negative, got {QueueLimit}.");
        if (ImageMaxTokens is { } budget)
            ImageTokenBudget.Validate(budget, "ImageMaxTokens");
        ImageTokenBudget.Validate(ImageMinTokens, "ImageMinTokens");
    }
}
