using DynamicCot.Inference.Images;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Llama.Native;

namespace DynamicCot.Inference.Generation;

/// <summary>Work for the engine's worker: a generation, or a teacher-forced scoring of given answers.</summary>
internal abstract class EngineRequest(string prompt, DecodedImage? image, CancellationToken cancellationToken)
{
    public string Prompt { get; } = prompt;
    public DecodedImage? Image { get; } = image;
    public CancellationToken CancellationToken { get; } = cancellationToken;
    public abstract void Fail(Exception error);
}

internal sealed class GenerationRequest(string prompt, DecodedImage? image, SuggestionOptions options, CancellationToken cancellationToken)
    : EngineRequest(prompt, image, cancellationToken)
{
    public SuggestionOptions Options { get; } = options;
    public TaskCompletionSource<GenerationOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public override void Fail(Exception error) => Completion.TrySetException(error);
}

internal sealed class ScoringRequest(string prompt, DecodedImage? image, IReadOnlyList<string> answers, CancellationToken cancellationToken)
    : EngineRequest(prompt, image, cancellationToken)
{
    public IReadOnlyList<string> Answers { get; } = answers;
    public TaskCompletionSource<IReadOnlyList<AnswerScore>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public override void Fail(Exception error) => Completion.TrySetException(error);
}

/// <summary>What the worker produced for one generation, before parsing.</summary>
internal sealed record GenerationOutcome(
    IReadOnlyList<LlamaToken> Tokens,
    IReadOnlyList<byte[]> Pieces,
    IReadOnlyList<double> Probabilities,
    string Text,
    int PromptTokens,
    TimeSpan PromptTime,
    TimeSpan GenerationTime);

/// <summary>Teacher-forced score of one answer: mean negative log-likelihood per answer token (the SFT loss).</summary>
public sealed record AnswerScore(string Answer, double MeanNegativeLogLikelihood, int TokenCount);
