using DynamicCot.Llama.Native;
using LLama.Native;

namespace DynamicCot.Inference.Llama;

/// <summary>
/// A GBNF grammar that checks a greedy chain's token instead of filtering the whole vocabulary before every pick.
/// Greedy decoding picks the highest logit (the lowest id among equal ones: llama.cpp's greedy sampler keeps the first
/// maximum of the id-ordered candidates). If the grammar allows the unconstrained pick, it is also the constrained
/// pick. If not, the grammar is tried on the <see cref="RankedCandidates"/> best candidates (ranked natively by
/// llama.cpp's top-k): the best allowed one among them is the constrained pick unless a token outside them could tie
/// with it. Only when that fails is the grammar applied to every candidate, as a grammar inside the chain would be.
/// </summary>
internal sealed class GrammarCheck : IDisposable
{
    /// <summary>Candidates ranked after a rejection: enough that an allowed token is almost always among them.</summary>
    internal const int RankedCandidates = 64;

    private readonly SafeLLamaSamplerChainHandle _grammar;
    private readonly LLamaTokenData[] _single = new LLamaTokenData[1];
    private SafeLLamaSamplerChainHandle? _ranking;
    private LLamaTokenData[] _candidates = [];

    private GrammarCheck(SafeLLamaSamplerChainHandle grammar) => _grammar = grammar;

    /// <summary>Picks the chain's token unchanged.</summary>
    public int Accepted { get; private set; }

    /// <summary>Picks found among the ranked best candidates after a rejection.</summary>
    public int RankedPicks { get; private set; }

    /// <summary>Picks that needed the grammar over the whole vocabulary.</summary>
    public int FullPicks { get; private set; }

    public static GrammarCheck Create(LlamaVocab vocab, string grammar, string root)
    {
        var handle = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
        try
        {
            SamplerChain.AddGrammar(handle, vocab, grammar, root);
            return new GrammarCheck(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The constrained greedy token, given the unconstrained one; accepted into the grammar's state.</summary>
    public LlamaToken Choose(LlamaContext context, int index, LlamaToken sampled, SafeLLamaSamplerChainHandle chain, LLamaLogitBias[] bans)
    {
        LlamaToken chosen;
        if (Allows(sampled))
        {
            chosen = sampled;
            Accepted++;
        }
        else if (BestRanked(context.GetLogits(index), bans) is { } ranked)
        {
            chosen = ranked;
            RankedPicks++;
        }
        else
        {
            chosen = BestOfAll(context.GetLogits(index), chain);
            FullPicks++;
        }
        _grammar.Accept(chosen.Value);
        return chosen;
    }

    public void Accept(LlamaToken token) => _grammar.Accept(token.Value);

    public void Reset() => _grammar.Reset();

    private bool Allows(LlamaToken token)
    {
        _single[0] = new LLamaTokenData(token.Value, 1f, 0f);
        var array = new LLamaTokenDataArray(_single, false);
        using (LLamaTokenDataArrayNative.Create(array, out var native))
            _grammar.Apply(ref native);
        return !float.IsNegativeInfinity(_single[0].Logit);
    }

    private LlamaToken? BestRanked(ReadOnlySpan<float> logits, LLamaLogitBias[] bans)
    {
        if (_ranking is null)
        {
            _ranking = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
            if (bans.Length > 0)
                _ranking.AddLogitBias(logits.Length, bans);
            _ranking.AddTopK(RankedCandidates);
        }
        var array = Fill(logits);
        long size;
        using (LLamaTokenDataArrayNative.Create(array, out var native))
        {
            _ranking.Apply(ref native);
            _grammar.Apply(ref native);
            size = (long)native.Size;
        }
        // Top-k leaves the best candidates first, best first; the grammar turned the refused ones to -inf.
        var best = -1;
        for (var i = 0; i < size; i++)
        {
            var candidate = _candidates[i];
            if (float.IsNegativeInfinity(candidate.Logit))
                continue;
            if (best < 0 || candidate.Logit > _candidates[best].Logit
                || (candidate.Logit == _candidates[best].Logit && (int)candidate.ID < (int)_candidates[best].ID))
                best = i;
        }
        if (best < 0 || size < RankedCandidates)
            return null;
        // A token just outside the ranked ones with the same logit might have a lower id: let the full pass decide.
        var lastRanked = logits[(int)_candidates[size - 1].ID];
        return lastRanked == _candidates[best].Logit ? null : new LlamaToken((int)_candidates[best].ID);
    }

    private LlamaToken BestOfAll(ReadOnlySpan<float> logits, SafeLLamaSamplerChainHandle chain)
    {
        var array = Fill(logits);
        long selected;
        using (LLamaTokenDataArrayNative.Create(array, out var native))
        {
            _grammar.Apply(ref native);
            chain.Apply(ref native);
            selected = native.Selected;
        }
        return new LlamaToken((int)_candidates[selected].ID);
    }

    private LLamaTokenDataArray Fill(ReadOnlySpan<float> logits)
    {
        if (_candidates.Length != logits.Length)
            _candidates = new LLamaTokenData[logits.Length];
        return LLamaTokenDataArray.Create(logits, _candidates);
    }

    public void Dispose()
    {
        _ranking?.Dispose();
        _grammar.Dispose();
    }
}
