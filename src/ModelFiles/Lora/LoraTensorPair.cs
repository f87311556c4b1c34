namespace DynamicCot.ModelFiles.Lora;

/// <summary>
/// The low-rank update of one base weight <c>W</c> (ggml ne <c>[InFeatures, OutFeatures]</c>, i.e. PyTorch shape
/// <c>[out, in]</c>): <c>ΔW = B·A</c>, with <see cref="A"/> row-major <c>[Rank, InFeatures]</c> (ggml ne
/// <c>[InFeatures, Rank]</c>, the file's <c>.lora_a</c>) and <see cref="B"/> row-major <c>[OutFeatures, Rank]</c>
/// (ggml ne <c>[Rank, OutFeatures]</c>, the file's <c>.lora_b</c>). The arrays are owned by the pair, not copied.
/// </summary>
public sealed class LoraTensorPair
{
    public LoraTensorPair(string baseName, int rank, int inFeatures, int outFeatures, float[] a, float[] b)
    {
        ArgumentException.ThrowIfNullOrEmpty(baseName);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        // llama.cpp flips A and B for token_embd and then also applies them to a tied output projection, where the
        // flipped layout cannot be multiplied; refusing it here keeps adapters to what serves and merges identically.
        if (IsTokenEmbedding(baseName))
            throw new NotSupportedException($"LoRA on '{baseName}' is not supported: llama.cpp stores and applies token_embd adapters differently (A and B flipped)");
        if (a.LongLength != (long)rank * inFeatures)
            throw new ArgumentException($"LoRA A of '{baseName}' needs {rank}×{inFeatures} values, got {a.LongLength}", nameof(a));
        if (b.LongLength != (long)outFeatures * rank)
            throw new ArgumentException($"LoRA B of '{baseName}' needs {outFeatures}×{rank} values, got {b.LongLength}", nameof(b));
        BaseName = baseName;
        Rank = rank;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        A = a;
        B = b;
    }

    /// <summary>The base weight's tensor name, e.g. <c>blk.0.attn_q.weight</c>.</summary>
    public string BaseName { get; }

    public int Rank { get; }

    /// <summary>ne0 of the base weight (columns of <c>W</c> in PyTorch order).</summary>
    public int InFeatures { get; }

    /// <summary>ne1 of the base weight (rows of <c>W</c> in PyTorch order).</summary>
    public int OutFeatures { get; }

    /// <summary>Row-major <c>[Rank, InFeatures]</c>.</summary>
    public float[] A { get; }

    /// <summary>Row-major <c>[OutFeatures, Rank]</c>.</summary>
    public float[] B { get; }

    public string TensorNameA => BaseName + LoraAdapterFile.SuffixA;

    public string TensorNameB => BaseName + LoraAdapterFile.SuffixB;

    internal static bool IsTokenEmbedding(string baseName) => baseName.EndsWith("token_embd.weight", StringComparison.Ordinal);
}
