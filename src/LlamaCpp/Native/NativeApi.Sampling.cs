using System.Runtime.InteropServices;

namespace DynamicCot.LlamaCpp.Native;

// llama.h: the sampler API. A chain owns the samplers added to it.
public static unsafe partial class NativeApi
{
    [LibraryImport(LibraryName)]
    public static partial nint llama_sampler_chain_init(LlamaSamplerChainParams parameters);

    /// <summary>Adds <paramref name="sampler"/> to the chain, which takes ownership of it.</summary>
    [LibraryImport(LibraryName)]
    public static partial void llama_sampler_chain_add(SafeLlamaSamplerHandle chain, nint sampler);

    [LibraryImport(LibraryName)]
    public static partial int llama_sampler_chain_n(SafeLlamaSamplerHandle chain);

    [LibraryImport(LibraryName)]
    public static partial nint llama_sampler_chain_get(SafeLlamaSamplerHandle chain, int index);

    [LibraryImport(LibraryName)]
    public static partial void llama_sampler_free(nint sampler);

    [LibraryImport(LibraryName)]
    public static partial nint llama_sampler_name(nint sampler);

    [LibraryImport(LibraryName)]
    public static partial void llama_sampler_accept(SafeLlamaSamplerHandle sampler, LlamaToken token);

    [LibraryImport(LibraryName)]
    public static partial void llama_sampler_apply(SafeLlamaSamplerHandle sampler, LlamaTokenDataArray* candidates);

    [LibraryImport(LibraryName)]
    public static partial void llama_sampler_reset(SafeLlamaSamplerHandle sampler);

    [LibraryImport(LibraryName)]
    public static partial nint llama_sampler_clone(SafeLlamaSamplerHandle sampler);

    [LibraryImport(LibraryName)]
    public static partial LlamaToken llama_sampler_sample(SafeLlamaSamplerHandle sampler, SafeLlamaContextHandle context, int index);

    [LibraryImport(LibraryName)]
    public static partial uint llama_sampler_get_seed(SafeLlamaSamplerHandle sampler);

    [LibraryImport(LibraryName)]
    public static partial nint llama_sampler_init_greedy();

    [LibraryImport(LibraryName)]
    public static partial nint llama_sampler_init_dist(uint seed);

    [LibraryImport(LibraryName)]
    public static partial nint llama_sampler_init_top_k(int k);

    [LibraryImport(LibraryName)]
    public static partial nint llama_sampler_init_top_p(float p, nuint minKeep);

    [LibraryImport(LibraryName)]
    public static partial nint llama_sampler_init_min_p(float p, nuint minKeep);

    [LibraryImport(LibraryName)]
    public static partial nint llama_sampler_init_temp(float temperature);

    [LibraryImport(LibraryName)]
    public static partial nint llama_sampler_init_penalties(int lastN, float repeat, float frequency, float present);

    /// <summary>Adds fixed biases to chosen tokens' logits (−∞ bans a token); the biases are copied.</summary>
    [LibraryImport(LibraryName)]
    public static partial nint llama_sampler_init_logit_bias(int nVocab, int nLogitBias, LlamaLogitBias* logitBias);

    /// <summary>Returns null when the grammar does not parse (the reason goes to the log).</summary>
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint llama_sampler_init_grammar(nint vocab, string grammar, string root);
}
