using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>
/// Dimensions of a tiny random checkpoint: the real Qwen2-VL / Qwen2.5-VL architecture, tensor names and config keys,
/// scaled down so tests and demos run on a laptop CPU in seconds.
/// </summary>
public sealed record TinyModelOptions
{
    public QwenVlArchitecture Architecture { get; init; } = QwenVlArchitecture.Qwen2Vl;

    public ulong Seed { get; init; } = 42;

    public int HiddenSize { get; init; } = 128;

    public int Layers { get; init; } = 2;

    public int Heads { get; init; } = 4;

    public int KvHeads { get; init; } = 2;

    /// <summary>A multiple of 32, so every preset of <c>quantize</c> applies (llama.cpp's Q8_0/Q4_0 need rows of 32s).</summary>
    public int IntermediateSize { get; init; } = 352;

    public int VisionEmbedSize { get; init; } = 64;

    /// <summary>Vision blocks; Qwen2.5-VL uses full attention in every second one (window attention elsewhere).</summary>
    public int VisionDepth { get; init; } = 2;

    public int VisionHeads { get; init; } = 4;

    /// <summary>Learned byte-level BPE vocabulary size, before the special tokens.</summary>
    public int TokenizerVocabSize { get; init; } = 1024;

    /// <summary>How the weights are stored in the safetensors file.</summary>
    public SafetensorsDType StoreAs { get; init; } = SafetensorsDType.F32;

    /// <summary>Shard the weights above this many bytes (<see cref="RandomCheckpointOptions.MaxShardBytes"/>); null: one file.</summary>
    public long? MaxShardBytes { get; init; }

    /// <summary>Tied input/output embeddings (Qwen2-VL-2B and Qwen2.5-VL-3B tie; the 7B models do not). Null: tie for Qwen2-VL only.</summary>
    public bool? TieWordEmbeddings { get; init; }

    internal bool Tied => TieWordEmbeddings ?? Architecture == QwenVlArchitecture.Qwen2Vl;

    internal int HeadDim => HiddenSize / Heads;

    internal void Validate()
    {
        if (HiddenSize % Heads != 0 || Heads % KvHeads != 0)
            throw new ArgumentException($"hidden size {HiddenSize} must divide into {Heads} heads, and heads into {KvHeads} KV heads.");
        if (HeadDim % 8 != 0)
            throw new ArgumentException($"head dim {HeadDim} must be a multiple of 8 for the M-RoPE sections.");
        if (VisionEmbedSize % VisionHeads != 0 || (VisionEmbedSize / VisionHeads) % 4 != 0)
            throw new ArgumentException($"vision embed size {VisionEmbedSize} must split into {VisionHeads} heads whose size is a multiple of 4.");
        if (Layers < 1 || VisionDepth < 1)
            throw new ArgumentException("A model needs at least one text layer and one vision block.");
        if (Architecture == QwenVlArchitecture.Qwen25Vl && VisionDepth % 2 != 0)
            throw new ArgumentException("Qwen2.5-VL tiny models need an even vision depth (full attention every second block).");
    }

    /// <summary>M-RoPE sections in Qwen's proportions (16:24:24 of 64), scaled to this head size.</summary>
    internal int[] MropeSections()
    {
        var half = HeadDim / 2;
        var t = half / 4;
        var h = (half - t) / 2;
        return [t, h, half - t - h];
    }
}
