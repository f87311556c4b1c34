using System.Buffers;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Threading.Channels;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Inference.Llama;
using DynamicCot.Llama.Native;
using Microsoft.Extensions.Logging;

namespace DynamicCot.Inference.Generation;

/// <summary>
/// The single owner of the model, the shared context and the projector. It runs on its own thread and does
/// continuous batching: every step decodes one token for each running sequence in one batch, and new requests are
/// admitted (their prompts evaluated into a free sequence) between steps, so they join while others decode.
/// Finished sequences free their KV cells at once.
/// </summary>
internal sealed class EngineWorker : IDisposable
{
    private readonly KeyphraseEngineOptions _options;
    private readonly ChannelReader<EngineRequest> _queue;
    private readonly ILogger _logger;
    private readonly LlamaModel _model;
    private readonly LlamaContext _context;
    private readonly MtmdContext? _projector;
    private readonly LlamaLoraAdapter? _adapter;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<SequenceState> _running = new();
    private readonly Stack<int> _freeSequences;
    private readonly IReadOnlyList<LlamaToken> _bannedTokens;

    public EngineWorker(KeyphraseEngineOptions options, ChannelReader<EngineRequest> queue, ILogger logger)
    {
        _options = options;
        _queue = queue;
        _logger = logger;
        ImageMaxTokens = ImageTokenBudget.Resolve(options.ImageMaxTokens, RecordedServingProfile.Read(options.ModelPath),
            Path.GetFileName(options.ModelPath), message => _logger.LogWarning("{Message}", message));
        ThinkingFormat = RecordedThinkingFormat.Read(options.ModelPath);
        _model = LlamaModel.Load(options.ModelPath, new LlamaModelOptions { GpuLayers = options.GpuLayers });
        try
        {
            _context = LlamaContext.Create(_model, new LlamaContextOptions
            {
                ContextSize = (uint)(options.ContextPerSequence * options.MaxParallelSequences),
                BatchSize = (uint)options.BatchSize,
                MicroBatchSize = (uint)options.BatchSize,
                MaxSequences = (uint)options.MaxParallelSequences,
                Threads = options.Threads,
                // One KV stream per sequence: a sequence's cells are laid out the same whatever else is running, so
                // attention sums in the same order and a request gets the same result alone or batched with others.
                UnifiedKvCache = false,
            });
            if (options.AdapterPath is not null)
            {
                _adapter = LlamaLoraAdapter.Load(_model, options.AdapterPath);
                LlamaLoraAdapter.Apply(_context, [(_adapter, options.AdapterScale)]);
            }
            if (options.ProjectorPath is not null)
                _projector = MtmdContext.Load(options.ProjectorPath, _model, new MtmdOptions
                {
                    Threads = options.Threads, ImageMaxTokens = ImageMaxTokens, ImageMinTokens = options.ImageMinTokens,
                });
        }
        catch
        {
            _adapter?.Dispose();
            _context?.Dispose();
            _model.Dispose();
            throw;
        }
        _bannedTokens = _model.Vocab.PaddingTokens();
        _freeSequences = new Stack<int>(Enumerable.Range(0, options.MaxParallelSequences).Reverse());
        _thread = new Thread(Run) { IsBackground = true, Name = "DynamicCot keyphrase engine" };
        _thread.Start();
    }

    public LlamaModel Model => _model;

    /// <summary>The image-token budget in force (-1: the projector's default).</summary>
    public int ImageMaxTokens { get; }

    /// <summary>Where the model writes its rationale (a Thinking checkpoint reasons in the block its prompt opens).</summary>
    public ThinkingFormat ThinkingFormat { get; }

    public bool SupportsImages => _projector is not null;

    public string MediaMarker => _projector?.Marker ?? ChatMarkup.DefaultMediaMarker;

    /// <summary>Test hook: called before each decode step; a throw stands for any failure inside a step.</summary>
    internal Action? BeforeStep { get; set; }

    private void Run()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    Admit();
                    if (_running.Count == 0)
                    {
                        // Idle: block until a request arrives or the engine stops.
                        try
                        {
                            if (!_queue.WaitToReadAsync(_stop.Token).AsTask().GetAwaiter().GetResult())
                                return;
                        }
                        catch (OperationCanceledException)
                        {
                            return;
                        }
                        continue;
                    }
                    BeforeStep?.Invoke();
                    Step();
                }
                catch (Exception e) when (!_stop.IsCancellationRequested)
                {
                    // Whatever went wrong, the worker lives on: the requests of this step fail with the cause, their
                    // sequences are freed, and the next requests are served (a dead worker would hang every later one).
                    _logger.LogError(e, "A keyphrase engine step failed; failing the {Count} requests in it, the engine continues.", _running.Count);
                    var failure = new KeyphraseEngineFaultException(e);
                    foreach (var state in _running.ToArray())
                    {
                        try
                        {
                            Finish(state, failure);
                        }
                        catch (Exception cleanup)
                        {
                            _logger.LogError(cleanup, "Freeing a failed sequence failed.");
                            _running.Remove(state);
                            state.Request.Fail(failure);
                        }
                    }
                }
            }
        }
        catch (Exception e) when (_stop.IsCancellationRequested)
        {
            _logger.LogDebug(e, "Keyphrase engine stopped while working.");
        }
        finally
        {
            var stopped = new ObjectDisposedException(nameof(KeyphraseEngine), "The keyphrase engine was disposed.");
            foreach (var state in _running)
                state.Request.Fail(stopped);
            while (_queue.TryRead(out var pending))
                pending.Fail(stopped);
        }
    }

    private void Admit()
    {
        while (_freeSequences.Count > 0 && _queue.TryRead(out var request))
        {
            if (request.CancellationToken.IsCancellationRequested)
            {
                request.Fail(new OperationCanceledException(request.CancellationToken));
                continue;
            }
            var sequence = new LlamaSeqId(_freeSequences.Pop());
            try
            {
                switch (request)
                {
                    case GenerationRequest generation:
                        _running.Add(Start(generation, sequence));
                        continue;
                    case ScoringRequest scoring:
                        scoring.Completion.TrySetResult(Score(scoring, sequence));
                        break;
                }
            }
            catch (Exception e)
            {
                request.Fail(e is OperationCanceledException && !request.CancellationToken.IsCancellationRequested && _stop.IsCancellationRequested
                    ? new ObjectDisposedException(nameof(KeyphraseEngine), "The keyphrase engine was disposed.")
                    : e);
            }
            Release(sequence);
        }
    }

    /// <summary>Evaluates the prompt (text and image) into <paramref name="sequence"/> and samples the first token.</summary>
    private SequenceState Start(GenerationRequest request, LlamaSeqId sequence)
    {
        var clock = Stopwatch.StartNew();
        var (next, promptTokens) = EvaluatePrompt(request, sequence, request.CancellationToken);
        var sampler = CreateSampler(request.Options);
        var state = new SequenceState(request, sequence, sampler, next, promptTokens, clock.Elapsed, ThinkingFormat);
        try
        {
            Accept(state, -1);
        }
        catch
        {
            sampler.Dispose();
            throw;
        }
        return state;
    }

    private (int NextPosition, int PromptTokens) EvaluatePrompt(EngineRequest request, LlamaSeqId sequence, CancellationToken cancellationToken)
    {
        _context.RemoveSequence(sequence);
        // This request's cancel aborts this request's decodes only; nothing of it outlives the call.
        using var abort = _context.AbortOn(cancellationToken);
        if (_projector is not null)
        {
            using var bitmap = request.Image is { } image ? MtmdBitmap.FromRgb(image.Width, image.Height, image.Rgb.Span) : null;
            using var chunks = _projector.Tokenize(request.Prompt, bitmap is null ? [] : [bitmap]);
            CheckFits(chunks.TokenCount, GenerationBudget(request));
            int next;
            try
            {
                next = _projector.EvaluateChunks(_context, chunks, 0, sequence, _options.BatchSize, logitsForLast: true);
            }
            catch (LlamaNativeException e) when (e.StatusCode == 2)
            {
                // llama_decode's "aborted" status, passed through by the mtmd helper: a cancel or a shutdown.
                throw new OperationCanceledException("Prompt evaluation was aborted.", e, cancellationToken);
            }
            cancellationToken.ThrowIfCancellationRequested();
            return (next, chunks.TokenCount);
        }
        if (request.Image is not null)
            throw new SuggestionInputException("This engine was started without a multimodal projector, so it cannot read images.");
        var tokens = _model.Vocab.Tokenize(request.Prompt, addSpecial: false, parseSpecial: true);
        CheckFits(tokens.Length, GenerationBudget(request));
        using var batch = new LlamaBatchBuffer(_options.BatchSize);
        for (var start = 0; start < tokens.Length; start += _options.BatchSize)
        {
            batch.Clear();
            var end = Math.Min(tokens.Length, start + _options.BatchSize);
            for (var i = start; i < end; i++)
                batch.AddToken(tokens[i], i, sequence, wantLogits: i == tokens.Length - 1);
            _context.Decode(batch, cancellationToken);
        }
        return (tokens.Length, tokens.Length);
    }

    /// <summary>
    /// Refuses a request whose KV cells would not fit its sequence's share of the cache: every prompt embedding takes a
    /// cell (an image nx·ny of them, though M-RoPE gives it only max(nx, ny) positions), and so does every token the
    /// request may generate (its MaxTokens, plus the thinking cap's forced closing text). A request that ran out of
    /// cells mid-generation would fail its decode.
    /// </summary>
    private void CheckFits(int promptCells, int generationBudget)
    {
        if (promptCells + generationBudget > _options.ContextPerSequence)
            throw new SuggestionInputException(
                $"The post is too long for the engine: its prompt takes {promptCells} KV cells and up to {generationBudget} more may be generated, " +
                $"but each request has {_options.ContextPerSequence}. Shorten the text, use a smaller image, lower MaxTokens or raise ContextPerSequence.");
    }

    /// <summary>Cells a generation may add after its prompt: MaxTokens and the closing text a thinking cap forces in.</summary>
    private static int GenerationBudget(EngineRequest request) =>
        request is GenerationRequest generation ? generation.Options.MaxTokens + ForcedClosingAllowance : 0;

    /// <summary>Room for the text the thinking cap forces in after the rationale (a few tokens; generous).</summary>
    private const int ForcedClosingAllowance = 16;

    private SamplerChain CreateSampler(SuggestionOptions options, string grammarRoot = AnswerGrammar.RootRule)
    {
        var chain = new SamplerChain();
        try
        {
            chain.Ban(_model.Vocab, _bannedTokens);
            var sampling = options.Sampling;
            if (_options.UseGrammar)
            {
                var grammar = AnswerGrammar.For(options.Thinking, new AnswerGrammarOptions { MaxKeyphrases = Math.Max(1, options.MaxKeyphrases * 2) }, ThinkingFormat);
                if (sampling.IsGreedy && _options.CheckPickAgainstGrammar)
                    chain.CheckedGrammar(_model.Vocab, grammar, grammarRoot);
                else
                    chain.Grammar(_model.Vocab, grammar, grammarRoot);
            }
            if (sampling.IsGreedy)
                return chain.Greedy();
            if (sampling.TopK > 0) chain.TopK(sampling.TopK);
            if (sampling.TopP is > 0 and < 1) chain.TopP(sampling.TopP);
            return chain.Temperature(sampling.Temperature).Distribution(sampling.Seed);
        }
        catch
        {
            chain.Dispose();
            throw;
        }
    }

    /// <summary>One decode for all running sequences, then one sampled token each.</summary>
    private void Step()
    {
        var rows = _running.Sum(s => Math.Max(1, s.PendingInput.Count));
        using var batch = new LlamaBatchBuffer(Math.Max(rows, 1));
        foreach (var state in _running)
        {
            while (state.PendingInput.Count > 0)
            {
                var token = state.PendingInput.Dequeue();
                state.LogitsRow = batch.AddToken(token, state.NextPosition++, state.Sequence, wantLogits: state.PendingInput.Count == 0);
            }
        }
        _context.Decode(batch, _stop.Token);
        foreach (var state in _running.ToArray())
        {
            if (state.Request.CancellationToken.IsCancellationRequested)
            {
                Finish(state, new OperationCanceledException(state.Request.CancellationToken));
                continue;
            }
            try
            {
                Accept(state, state.LogitsRow);
            }
            catch (Exception e)
            {
                Finish(state, e);
            }
        }
    }

    /// <summary>Samples the next token of <paramref name="state"/> from logits row <paramref name="row"/> and decides what comes next.</summary>
    private void Accept(SequenceState state, int row)
    {
        var token = state.Sampler.Sample(_context, row);
        var probability = TokenProbability(_context.GetLogits(row), token.Value);
        if (_model.Vocab.IsEndOfGeneration(token))
        {
            Finish(state, null);
            return;
        }
        state.Append(token, _model.Vocab.TokenToBytes(token), probability);
        if (state.IsThinking)
            state.ThinkingTokens++;
        if (state.AnswerClosed || state.ReachedLimit)
        {
            Finish(state, null);
            return;
        }
        if (state.CapReached)
        {
            // The rationale used its budget: force the closing text into the context. The grammar does not take the
            // forced tokens (their split need not match the grammar's, and llama.cpp aborts the process when a piece
            // empties its grammar stack); the sampler restarts at the answer body instead.
            foreach (var forced in _model.Vocab.Tokenize(ThinkingCap.ClosingTextAfter(state.Text, ThinkingFormat), addSpecial: false, parseSpecial: false))
            {
                if (!_options.UseGrammar)
                    state.Sampler.Accept(forced);
                state.Append(forced, _model.Vocab.TokenToBytes(forced), 1.0);
                state.PendingInput.Enqueue(forced);
            }
            if (_options.UseGrammar)
                state.ReplaceSampler(CreateSampler(state.Request.Options, AnswerGrammar.AnswerBodyRule));
            state.PendingInput.Enqueue(token);
            // Feed the sampled token first, then the forced ones.
            var ordered = state.PendingInput.ToArray();
            state.PendingInput.Clear();
            state.PendingInput.Enqueue(ordered[^1]);
            foreach (var t in ordered[..^1]) state.PendingInput.Enqueue(t);
            return;
        }
        state.PendingInput.Enqueue(token);
    }

    /// <summary>The model's own probability of <paramref name="token"/> (softmax of the raw logits, before any grammar).</summary>
    internal static double TokenProbability(ReadOnlySpan<float> logits, int token)
    {
        // Vectorised (a scalar exp over 151,936 logits costs a few per cent of a 2B model's decode step on a CPU).
        var max = TensorPrimitives.Max(logits);
        var shifted = ArrayPool<float>.Shared.Rent(logits.Length);
        try
        {
            var scratch = shifted.AsSpan(0, logits.Length);
            TensorPrimitives.Subtract(logits, max, scratch);
            TensorPrimitives.Exp(scratch, scratch);
            return Math.Exp(logits[token] - max) / TensorPrimitives.Sum<float>(scratch);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(shifted);
        }
    }

    private void Finish(SequenceState state, Exception? error)
    {
        if (state.Finished) return;
        state.Finished = true;
        _running.Remove(state);
        state.Sampler.Dispose();
        Release(state.Sequence);
        if (error is null)
            state.Request.Completion.TrySetResult(state.ToOutcome());
        else
            state.Request.Fail(error);
    }

    private void Release(LlamaSeqId sequence)
    {
        _context.RemoveSequence(sequence);
        _freeSequences.Push(sequence.Value);
    }

    /// <summary>
    /// Teacher-forced mean NLL of each answer after the prompt. The prompt (and its image) is evaluated once; each
    /// answer is decoded after it and then removed again, so the next answer reuses the prompt's KV cells.
    /// </summary>
    private IReadOnlyList<AnswerScore> Score(ScoringRequest request, LlamaSeqId sequence)
    {
        var (promptEnd, _) = EvaluatePrompt(request, sequence, request.CancellationToken);
        var firstLogits = _context.GetLogits(-1).ToArray();
        var scores = new List<AnswerScore>(request.Answers.Count);
        foreach (var answer in request.Answers)
        {
            request.CancellationToken.ThrowIfCancellationRequested();
            var tokens = _model.Vocab.Tokenize(answer, addSpecial: false, parseSpecial: true);
            if (tokens.Length == 0)
                throw new SuggestionInputException("An answer to score is empty.");
            CheckFits(promptEnd + tokens.Length, 0);
            var nll = -Math.Log(TokenProbability(firstLogits, tokens[0].Value));
            for (var start = 0; start < tokens.Length - 1; start += _options.BatchSize)
            {
                var end = Math.Min(tokens.Length - 1, start + _options.BatchSize);
                using var batch = new LlamaBatchBuffer(end - start);
                for (var i = start; i < end; i++)
                    batch.AddToken(tokens[i], promptEnd + i, sequence, wantLogits: true);
                _context.Decode(batch, request.CancellationToken);
                for (var i = start; i < end; i++)
                    nll -= Math.Log(TokenProbability(_context.GetLogits(i - start), tokens[i + 1].Value));
            }
            _context.RemoveSequence(sequence, promptEnd, -1);
            scores.Add(new AnswerScore(answer, nll / tokens.Length, tokens.Length));
        }
        return scores;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _context.RequestAbort();
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
            _thread.Join();
        foreach (var state in _running)
            state.Sampler.Dispose();
        _projector?.Dispose();
        _context.Dispose();
        _adapter?.Dispose();
        _model.Dispose();
        _stop.Dispose();
    }
}
