using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.LlamaCpp.Engine;

/// <summary>
/// A llama.cpp sampler chain, built fluently: constraints first (grammar), then filters (top-k, top-p, temperature),
/// then exactly one selector (greedy or a seeded distribution). The chain owns the samplers added to it.
/// </summary>
public sealed class SamplerChain : IDisposable
{
    private bool _hasSelector;

    public SamplerChain()
    {
        LlamaBackend.Initialize();
        var parameters = NativeApi.llama_sampler_chain_default_params();
        Handle = new SafeLlamaSamplerHandle(NativeErrors.CheckPointer(NativeApi.llama_sampler_chain_init(parameters), "llama_sampler_chain_init"));
    }

    public SafeLlamaSamplerHandle Handle { get; }

    public int Count => NativeApi.llama_sampler_chain_n(Handle);

    /// <summary>Constrains output to a GBNF grammar; throws when the grammar does not parse.</summary>
    public SamplerChain Grammar(LlamaVocab vocab, string grammar, string root = "root")
    {
        var sampler = NativeApi.llama_sampler_init_grammar(vocab.Pointer, grammar, root);
        return Add(NativeErrors.CheckPointer(sampler, "llama_sampler_init_grammar", "the GBNF grammar (see the llama.cpp log for the parse error)"));
    }

    /// <summary>Never picks <paramref name="tokens"/> (a −∞ logit bias).</summary>
    public unsafe SamplerChain Ban(LlamaVocab vocab, IReadOnlyList<LlamaToken> tokens)
    {
        if (tokens.Count == 0)
            return this;
        var biases = tokens.Select(t => new LlamaLogitBias { Token = t, Bias = float.NegativeInfinity }).ToArray();
        fixed (LlamaLogitBias* b = biases)
            return Add(NativeApi.llama_sampler_init_logit_bias(vocab.Count, biases.Length, b));
    }

    public SamplerChain TopK(int k) => Add(NativeApi.llama_sampler_init_top_k(k));

    public SamplerChain TopP(float p, int minKeep = 1) => Add(NativeApi.llama_sampler_init_top_p(p, (nuint)minKeep));

    public SamplerChain MinP(float p, int minKeep = 1) => Add(NativeApi.llama_sampler_init_min_p(p, (nuint)minKeep));

    public SamplerChain Temperature(float temperature) => Add(NativeApi.llama_sampler_init_temp(temperature));

    public SamplerChain Penalties(int lastN, float repeat, float frequency = 0, float presence = 0) =>
        Add(NativeApi.llama_sampler_init_penalties(lastN, repeat, frequency, presence));

    /// <summary>Picks the most likely token (deterministic).</summary>
    public SamplerChain Greedy() => AddSelector(NativeApi.llama_sampler_init_greedy());

    /// <summary>Samples from the distribution with a fixed seed (reproducible).</summary>
    public SamplerChain Distribution(uint seed) => AddSelector(NativeApi.llama_sampler_init_dist(seed));

    /// <summary>Samples the token for output <paramref name="index"/> of the last batch and accepts it into the chain's state.</summary>
    public LlamaToken Sample(LlamaContext context, int index)
    {
        if (!_hasSelector)
            throw new InvalidOperationException("The sampler chain has no selector: add Greedy() or Distribution(seed) last.");
        return NativeApi.llama_sampler_sample(Handle, context.Handle, index);
    }

    /// <summary>Feeds a token the chain did not sample itself (e.g. forced text) into its state (grammar, penalties).</summary>
    public void Accept(LlamaToken token) => NativeApi.llama_sampler_accept(Handle, token);

    public void Reset() => NativeApi.llama_sampler_reset(Handle);

    private SamplerChain AddSelector(nint sampler)
    {
        if (_hasSelector)
            throw new InvalidOperationException("The sampler chain already has a selector.");
        Add(sampler);
        _hasSelector = true;
        return this;
    }

    private SamplerChain Add(nint sampler)
    {
        if (_hasSelector)
        {
            NativeApi.llama_sampler_free(sampler);
            throw new InvalidOperationException("Add filters before the selector (Greedy/Distribution).");
        }
        NativeApi.llama_sampler_chain_add(Handle, NativeErrors.CheckPointer(sampler, "llama_sampler_init"));
        return this;
    }

    public void Dispose() => Handle.Dispose();
}
