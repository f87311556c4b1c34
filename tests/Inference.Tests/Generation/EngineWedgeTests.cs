using DynamicCot.Inference.Generation;
using DynamicCot.Inference.Llama;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Llama.Native;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Inference.Tests.Generation;

/// <summary>What used to stop the engine's worker for good (every later request hung); after each, the next request answers.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class EngineWedgeTests(TinyModels models)
{
    private static readonly SuggestionOptions Quick = new() { Thinking = ThinkingMode.Off, MaxTokens = 24, MaxKeyphrases = 3 };
    private static readonly TimeSpan Answered = TimeSpan.FromSeconds(60);

    private KeyphraseEngine Start(int contextPerSequence = 512) => KeyphraseEngine.Start(new KeyphraseEngineOptions
    {
        ModelPath = models.Get(QwenVlArchitecture.Qwen2Vl).LanguageModel, Threads = 2, MaxParallelSequences = 2, ContextPerSequence = contextPerSequence,
    });

    [Fact]
    public async Task A_step_that_throws_fails_its_requests_with_a_typed_error_and_the_next_request_answers()
    {
        await using var engine = Start();
        var fault = 1;
        engine.Worker.BeforeStep = () =>
        {
            if (Interlocked.Exchange(ref fault, 0) == 1) throw new InvalidOperationException("decode step failed");
        };

        var failed = await Assert.ThrowsAsync<KeyphraseEngineFaultException>(() => engine.SuggestAsync("Harbour lighthouse at dusk", null, Quick).WaitAsync(Answered));
        Assert.Contains("decode step failed", failed.Message);
        var next = await engine.SuggestAsync("Harbour lighthouse at dusk", null, Quick).WaitAsync(Answered);
        Assert.True(next.GeneratedTokens > 0);
    }

    [Fact]
    public async Task A_request_whose_generation_budget_does_not_fit_its_cells_is_refused_up_front_and_the_next_request_answers()
    {
        await using var engine = Start(contextPerSequence: 256);
        var tooLong = Quick with { MaxTokens = 250 };
        var refused = await Assert.ThrowsAsync<SuggestionInputException>(() => engine.SuggestAsync("Harbour lighthouse at dusk", null, tooLong).WaitAsync(Answered));
        Assert.Contains("MaxTokens", refused.Message);
        Assert.Contains("256", refused.Message);
        var next = await engine.SuggestAsync("Harbour lighthouse at dusk", null, Quick).WaitAsync(Answered);
        Assert.True(next.GeneratedTokens > 0);
    }

    [Fact]
    public void A_cancel_that_arrives_after_a_requests_decode_does_not_abort_the_next_decode()
    {
        using var model = LlamaModel.Load(models.Get(QwenVlArchitecture.Qwen2Vl).LanguageModel, new LlamaModelOptions { GpuLayers = 0 });
        using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 512, Threads = 1 });
        var tokens = model.Vocab.Tokenize("Harbour lighthouse at dusk", addSpecial: false, parseSpecial: false);
        using var batch = new LlamaBatchBuffer(tokens.Length);
        void Fill(int start)
        {
            batch.Clear();
            for (var i = 0; i < tokens.Length; i++) batch.AddToken(tokens[i], start + i, new LlamaSeqId(0), wantLogits: i == tokens.Length - 1);
        }

        using var cancel = new CancellationTokenSource();
        using (context.AbortOn(cancel.Token))
        {
            Fill(0);
            context.Decode(batch);
            cancel.Cancel(); // the request is cancelled after its decode, before it let go
        }
        Fill(tokens.Length);
        context.Decode(batch); // another request's decode: not aborted
        Assert.False(context.GetLogits(-1).IsEmpty);
    }
}
