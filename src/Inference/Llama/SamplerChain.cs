using DynamicCot.Llama.Native;
using LLama.Native;

namespace DynamicCot.Inference.Llama;

/// <summary>
/// A llama.cpp sampler chain (LLamaSharp's <see cref="SafeLLamaSamplerChainHandle"/>), built fluently: constraints
/// first (grammar, bans), then filters (top-k, top-p, temperature), then exactly one selector (greedy or a seeded
/// distribution). Adds the ordering checks and typed errors on top.
/// </summary>
/// <remarks>
/// A grammar added with <see cref="CheckedGrammar"/> is kept out of the chain: the chain picks its token unconstrained,
/// and the grammar only checks that one token; the full vocabulary is constrained only when the token is rejected.
/// llama.cpp's own sampling helper does the same (common/sampling.cpp, <c>common_sampler_sample</c>, ggml-org/llama.cpp
/// 00efb3e1): applying a grammar to all 151,936 candidates of a Qwen vocabulary costs more than a decode step of a
/// 2B model on a CPU. See <see cref="GrammarCheck"/> for why the result is the same token.
/// </remarks>
public sealed class SamplerChain : IDisposable
{
    private bool _hasSelector;
    private LLamaLogitBias[] _bans = [];
    private GrammarCheck? _grammarCheck;

    public SamplerChain()
    {
        LlamaBackend.Initialize();
        Handle = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
    }

    public SafeLLamaSamplerChainHandle Handle { get; }

    public int Count => Handle.Count;

    /// <summary>Constrains output to a GBNF grammar; throws when the grammar does not parse.</summary>
    public SamplerChain Grammar(LlamaVocab vocab, string grammar, string root = "root")
    {
        EnsureNoSelector();
        AddGrammar(Handle, vocab, grammar, root);
        return this;
    }

    internal static void AddGrammar(SafeLLamaSamplerChainHandle handle, LlamaVocab vocab, string grammar, string root)
    {
        // LLamaSharp adds whatever llama_sampler_init_grammar returns, also the null of a grammar that does not
        // parse; llama.cpp logs the parse error, so a logged error means: take the null entry out again and throw.
        using var capture = NativeLog.Capture();
        handle.AddGrammar(vocab.Native, grammar, root);
        if (capture.HasErrors)
        {
            handle.Remove(handle.Count - 1);
            throw new LlamaNativeException("llama_sampler_init_grammar", $"The GBNF grammar was refused.{capture.Explanation()}");
        }
    }

    /// <summary>How the checked grammar's picks were made (accepted as sampled, from the ranked best, from all); null without one.</summary>
    public (int Accepted, int Ranked, int Full)? GrammarPicks =>
        _grammarCheck is { } check ? (check.Accepted, check.RankedPicks, check.FullPicks) : null;

    /// <summary>
    /// Constrains output to a GBNF grammar that checks the chain's token instead of filtering the whole vocabulary
    /// first; only a greedy chain may use it (then the token is the one <see cref="Grammar"/> gives).
    /// </summary>
    public SamplerChain CheckedGrammar(LlamaVocab vocab, string grammar, string root = "root")
    {
        EnsureNoSelector();
        if (_grammarCheck is not null)
            throw new InvalidOperationException("The sampler chain already has a checked grammar.");
        _grammarCheck = GrammarCheck.Create(vocab, grammar, root);
        return this;
    }

    /// <summary>Never picks <paramref name="tokens"/> (a −∞ logit bias).</summary>
    public SamplerChain Ban(LlamaVocab vocab, IReadOnlyList<LlamaToken> tokens)
    {
        if (tokens.Count == 0)
            return this;
        EnsureNoSelector();
        var biases = tokens.Select(t => new LLamaLogitBias { Token = t.Value, Bias = float.NegativeInfinity }).ToArray();
        Handle.AddLogitBias(vocab.Count, biases);
        _bans = [.. _bans, .. biases];
        return this;
    }

    public SamplerChain TopK(int k) => Filter(() => Handle.AddTopK(k));

    public SamplerChain TopP(float p, int minKeep = 1) => Filter(() => Handle.AddTopP(p, minKeep));

    public SamplerChain MinP(float p, int minKeep = 1) => Filter(() => Handle.AddMinP(p, minKeep));

    public SamplerChain Temperature(float temperature) => Filter(() => Handle.AddTemperature(temperature));

    public SamplerChain Penalties(int lastN, float repeat, float frequency = 0, float presence = 0) =>
        Filter(() => Handle.AddPenalties(lastN, repeat, frequency, presence));

    /// <summary>Picks the most likely token (deterministic).</summary>
    public SamplerChain Greedy() => Selector(() => Handle.AddGreedySampler());

    /// <summary>Samples from the distribution with a fixed seed (reproducible).</summary>
    public SamplerChain Distribution(uint seed)
    {
        // A seeded draw from the unconstrained distribution, then another after a rejection, would follow another
        // random stream than one draw from the constrained distribution: the same request would answer differently.
        if (_grammarCheck is not null)
            throw new InvalidOperationException("A checked grammar needs a greedy chain; add the grammar with Grammar() to sample from a distribution.");
        return Selector(() => Handle.AddDistributionSampler(seed));
    }

    /// <summary>Samples the token for output <paramref name="index"/> of the last batch and accepts it into the chain's state.</summary>
    public LlamaToken Sample(LlamaContext context, int index)
    {
        if (!_hasSelector)
            throw new InvalidOperationException("The sampler chain has no selector: add Greedy() or Distribution(seed) last.");
        var token = new LlamaToken((int)Handle.Sample(context.Handle, index));
        if (_grammarCheck is null)
            return token;
        return _grammarCheck.Choose(context, index, token, Handle, _bans);
    }

    /// <summary>Feeds a token the chain did not sample itself (e.g. forced text) into its state (grammar, penalties).</summary>
    public void Accept(LlamaToken token)
    {
        Handle.Accept(token.Value);
        _grammarCheck?.Accept(token);
    }

    public void Reset()
    {
        Handle.Reset();
        _grammarCheck?.Reset();
    }

    private SamplerChain Filter(Action add)
    {
        EnsureNoSelector();
        add();
        return this;
    }

    private SamplerChain Selector(Action add)
    {
        if (_hasSelector)
            throw new InvalidOperationException("The sampler chain already has a selector.");
        add();
        _hasSelector = true;
        return this;
    }

    private void EnsureNoSelector()
    {
        if (_hasSelector)
            throw new InvalidOperationException("Add filters before the selector (Greedy/Distribution).");
    }

    public void Dispose()
    {
        _grammarCheck?.Dispose();
        Handle.Dispose();
    }
}
