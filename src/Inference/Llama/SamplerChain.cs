using DynamicCot.Llama.Native;
using LLama.Native;

namespace DynamicCot.Inference.Llama;

/// <summary>
/// A llama.cpp sampler chain (LLamaSharp's <see cref="SafeLLamaSamplerChainHandle"/>), built fluently: constraints
/// first (grammar, bans), then filters (top-k, top-p, temperature), then exactly one selector (greedy or a seeded
/// distribution). Adds the ordering checks and typed errors on top.
/// </summary>
public sealed class SamplerChain : IDisposable
{
    private bool _hasSelector;

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
        // LLamaSharp adds whatever llama_sampler_init_grammar returns, also the null of a grammar that does not
        // parse; llama.cpp logs the parse error, so a logged error means: take the null entry out again and throw.
        using var capture = NativeLog.Capture();
        Handle.AddGrammar(vocab.Native, grammar, root);
        if (capture.HasErrors)
        {
            Handle.Remove(Handle.Count - 1);
            throw new LlamaNativeException("llama_sampler_init_grammar", $"The GBNF grammar was refused.{capture.Explanation()}");
        }
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
    public SamplerChain Distribution(uint seed) => Selector(() => Handle.AddDistributionSampler(seed));

    /// <summary>Samples the token for output <paramref name="index"/> of the last batch and accepts it into the chain's state.</summary>
    public LlamaToken Sample(LlamaContext context, int index)
    {
        if (!_hasSelector)
            throw new InvalidOperationException("The sampler chain has no selector: add Greedy() or Distribution(seed) last.");
        return new LlamaToken((int)Handle.Sample(context.Handle, index));
    }

    /// <summary>Feeds a token the chain did not sample itself (e.g. forced text) into its state (grammar, penalties).</summary>
    public void Accept(LlamaToken token) => Handle.Accept(token.Value);

    public void Reset() => Handle.Reset();

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

    public void Dispose() => Handle.Dispose();
}
