using System.Threading.Channels;
using DynamicCot.Inference.Images;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Keyphrases.Suggestions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamicCot.Inference.Generation;

/// <summary>
/// Suggests keyphrases for a post's text and image with a llama.cpp vision-language model, and scores given answers
/// (teacher-forced NLL). Safe for many concurrent callers: requests queue (bounded) for one worker that batches the
/// running ones together. Images are decoded with libvips on the caller's side before they reach the queue.
/// </summary>
public sealed class KeyphraseEngine : IKeyphraseSuggester, IDisposable, IAsyncDisposable
{
    private readonly KeyphraseEngineOptions _options;
    private readonly Channel<EngineRequest> _queue;
    private readonly EngineWorker _worker;
    private readonly ImageDecoder _images;
    private readonly KeyphrasePromptBuilder _prompts;
    private int _disposed;

    private KeyphraseEngine(KeyphraseEngineOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _queue = Channel.CreateBounded<EngineRequest>(new BoundedChannelOptions(Math.Max(1, options.QueueLimit))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _images = new ImageDecoder(options.ImageDecoding, loggerFactory);
        var logger = loggerFactory.CreateLogger<KeyphraseEngine>();
        var loading = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            _worker = new EngineWorker(options, _queue.Reader, logger);
        }
        catch
        {
            _images.Dispose();
            throw;
        }
        _prompts = new KeyphrasePromptBuilder(options.Prompt with { MediaMarker = _worker.MediaMarker, ThinkingFormat = _worker.ThinkingFormat });
        // The effective settings, once, as a server logs its options at start: what is in force, not what was asked.
        var runtime = LlamaRuntime.Loaded;
        logger.LogInformation(
            "Keyphrase model {Model} loaded in {Seconds:F1} s: projector {Projector}, llama.cpp build {Variant}, {Threads} threads (OMP_WAIT_POLICY {WaitPolicy}{WaitPolicySource}), {Parallel} parallel requests, image budget {ImageMaxTokens}, images up to {MaxImageBytes} bytes",
            options.ModelPath, loading.Elapsed.TotalSeconds, options.ProjectorPath ?? "none", runtime?.Variant ?? "?", options.Threads,
            runtime?.OpenMpWaitPolicy ?? "unset", runtime?.OpenMpWaitPolicyFromUser == true ? ", set by the user" : "",
            options.MaxParallelSequences, _worker.ImageMaxTokens, options.ImageDecoding.MaxInputBytes);
    }

    /// <summary>Loads the model (and projector) and starts the worker.</summary>
    public static KeyphraseEngine Start(KeyphraseEngineOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        loggerFactory ??= NullLoggerFactory.Instance;
        LlamaBackend.Initialize(loggerFactory);
        return new KeyphraseEngine(options, loggerFactory);
    }

    public KeyphraseEngineOptions Options => _options;

    public bool SupportsImages => _worker.SupportsImages;

    internal EngineWorker Worker => _worker;

    /// <summary>The image-token budget in force: as configured, else as recorded in the model, else -1 (the projector's default).</summary>
    public int ImageMaxTokens => _worker.ImageMaxTokens;

    public KeyphrasePromptBuilder Prompts => _prompts;

    public async Task<SuggestionResult> SuggestAsync(string text, ImageInput? image, SuggestionOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SuggestionOptions();
        Validate(options);
        var (prompt, decoded) = await PrepareAsync(text, image, options.Thinking, cancellationToken).ConfigureAwait(false);
        var request = new GenerationRequest(prompt, decoded, options, cancellationToken);
        Enqueue(request);
        GenerationOutcome outcome;
        using (cancellationToken.Register(() => request.Completion.TrySetCanceled(cancellationToken)))
            outcome = await request.Completion.Task.ConfigureAwait(false);
        return Interpret(outcome, options, _prompts.StartsInsideThinkBlock(options.Thinking));
    }

    /// <summary>
    /// Teacher-forced mean negative log-likelihood of each answer (a full assistant target such as
    /// <c>&lt;answer&gt;a, b&lt;/answer&gt;&lt;|im_end|&gt;</c>) after the post's prompt: the SFT loss. The prompt and
    /// image are evaluated once for all answers.
    /// </summary>
    public async Task<IReadOnlyList<AnswerScore>> ScoreAsync(string text, ImageInput? image, IReadOnlyList<string> answers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(answers);
        if (answers.Count == 0)
            return [];
        var (prompt, decoded) = await PrepareAsync(text, image, ThinkingMode.Auto, cancellationToken).ConfigureAwait(false);
        var request = new ScoringRequest(prompt, decoded, answers, cancellationToken);
        Enqueue(request);
        return await request.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<(string Prompt, DecodedImage? Image)> PrepareAsync(string text, ImageInput? image, ThinkingMode thinking, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ArgumentNullException.ThrowIfNull(text);
        if (image is not null && !_worker.SupportsImages)
            throw new SuggestionInputException($"The image '{image.Label}' cannot be used: this engine has no multimodal projector configured.");
        var decoded = image is null ? null : await _images.DecodeAsync(image.Bytes, image.Label, cancellationToken).ConfigureAwait(false);
        return (_prompts.BuildPrompt(text, decoded is not null, thinking), decoded);
    }

    private void Enqueue(EngineRequest request)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!_queue.Writer.TryWrite(request))
            throw new SuggesterOverloadedException(_options.QueueLimit);
    }

    private static void Validate(SuggestionOptions options)
    {
        if (options.MaxKeyphrases < 1)
            throw new SuggestionInputException($"MaxKeyphrases must be at least 1, got {options.MaxKeyphrases}.");
        if (options.MaxTokens < 8)
            throw new SuggestionInputException($"MaxTokens must be at least 8, got {options.MaxTokens}.");
        if (options.Thinking == ThinkingMode.Capped && options.MaxThinkingTokens < 1)
            throw new SuggestionInputException($"MaxThinkingTokens must be at least 1 with capped thinking, got {options.MaxThinkingTokens}.");
        if (options.MinConfidence is < 0 or > 1)
            throw new SuggestionInputException($"MinConfidence must be within 0..1, got {options.MinConfidence}.");
    }

    private static SuggestionResult Interpret(GenerationOutcome outcome, SuggestionOptions options, bool insideThinkBlock)
    {
        var answer = AnswerParser.Parse(outcome.Text, insideThinkBlock);
        var tokens = GeneratedTokenText.FromUtf8Pieces(outcome.Pieces.Select(p => (ReadOnlyMemory<byte>)p).ToArray());
        var probabilities = outcome.Probabilities.ToArray();
        var confidences = answer.KeyphraseSpans.Count == answer.Keyphrases.Count && tokens.Text == outcome.Text
            ? KeyphraseConfidence.ForKeyphrases(answer, tokens, probabilities)
            : answer.Keyphrases.Select(_ => KeyphraseConfidence.GeometricMean(probabilities)).ToArray();
        var vocabulary = options.ExistingTags is { Count: > 0 } tags ? new TagVocabulary(tags) : null;
        var keyphrases = SuggestionNormalizer.Normalize(
            answer.Keyphrases.Select((k, i) => new KeyphraseCandidate(k, confidences[i])),
            vocabulary, options.MaxKeyphrases, options.MinConfidence);
        return new SuggestionResult(keyphrases, answer.Rationale, outcome.PromptTokens, outcome.Tokens.Count,
            outcome.PromptTime, outcome.GenerationTime, outcome.Text) { DroppedKeyphrases = keyphrases.DroppedByTagRules };
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _queue.Writer.TryComplete();
        _worker.Dispose();
        _images.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
