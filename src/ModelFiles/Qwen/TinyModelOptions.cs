using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>
/// Dimensions of a tiny random checkpoint: the real Qwen2-VL / Qwen2.5-VL / Qwen3-VL architecture, tensor names and config keys,
/// scaled down so tests and demos run on a laptop CPU in seconds.
/// </summary>
public sealed record TinyModelOptions
{
    public QwenVlArchitecture Architecture { get; init; } = QwenVlArchitecture.Qwen2Vl;

    public ulong Seed { get; init; } = 42;

    public int HiddenSize { get; init; } = 128;

    /// <summary>Decoder layers: 2; 3 for Qwen3-VL, whose DeepStack features enter layers 0 and 1 and must leave the last layer alone.</summary>
    public int Layers
    {
        get => _layers ?? (Architecture == QwenVlArchitecture.Qwen3Vl ? 3 : 2);
        init => _layers = value;
    }

    private readonly int? _layers;

    public int Heads { get; init; } = 4;

    public int KvHeads { get; init; } = 2;

    /// <summary>A multiple of 32, so every preset of <c>quantize</c> applies (llama.cpp's Q8_0/Q4_0 need rows of 32s).</summary>
    public int IntermediateSize { get; init; } = 352;

    public int VisionEmbedSize { get; init; } = 64;

    /// <summary>
    /// Vision blocks; Qwen2.5-VL uses full attention in every second one (window attention elsewhere); Qwen3-VL feeds
    /// all but the last (at most three) into the first decoder layers (DeepStack). Default 2; 3 for Qwen3-VL, so that
    /// two blocks feed DeepStack and the last does not, as in the published models.
    /// </summary>
    public int VisionDepth
    {
        get => _visionDepth ?? (Architecture == QwenVlArchitecture.Qwen3Vl ? 3 : 2);
        init => _visionDepth = value;
    }

    private readonly int? _visionDepth;

    public int VisionHeads { get; init; } = 4;

    /// <summary>Learned byte-level BPE vocabulary size, before the special tokens.</summary>
    public int TokenizerVocabSize { get; init; } = 1024;

    /// <summary>How the weights are stored in the safetensors file.</summary>
    public SafetensorsDType StoreAs { get; init; } = SafetensorsDType.F32;

    /// <summary>Shard the weights above this many bytes (<see cref="RandomCheckpointOptions.MaxShardBytes"/>); null: one file.</summary>
    public long? MaxShardBytes { get; init; }

    /// <summary>Tied input/output embeddings (Qwen2-VL-2B, Qwen2.5-VL-3B and Qwen3-VL-2B/4B tie; the 7B/8B models do not). Null: tie except for Qwen2.5-VL.</summary>
    public bool? TieWordEmbeddings { get; init; }

    /// <summary>A chat template to write instead of the tokenizer's (e.g. <see cref="Qwen3VlChatTemplates.Thinking"/>); null keeps it.</summary>
    public string? ChatTemplate { get; init; }

    internal bool Tied => TieWordEmbeddings ?? Architecture != QwenVlArchitecture.Qwen25Vl;

    /// <summary>Qwen3-VL: the blocks whose features DeepStack feeds into the decoder (the last up-to-three before the final block).</summary>
    internal int[] DeepstackIndexes() => Enumerable.Range(0, VisionDepth - 1).TakeLast(Math.Min(3, Layers - 1)).ToArray();

    /// <summary>Qwen3-VL: side of the learned position grid (48 × 48 at 16-pixel patches in the published models; 16 here).</summary>
    internal const int PositionGridSide = 16;

    /// <summary>
    /// Qwen3-VL states its head size apart from the width; the tiny model takes 1.5 × width / heads so that, like
    /// Qwen3-VL-4B (128 against 2560 / 32 = 80), nothing can silently assume head_dim = hidden / heads.
    /// </summary>
    internal int HeadDim => Architecture == QwenVlArchitecture.Qwen3Vl ? HiddenSize / Heads * 3 / 2 : HiddenSize / Heads;

    internal void Validate()
    {
        if (HiddenSize % Heads != 0 || Heads % KvHeads != 0)
            throw new ArgumentException($"hidden size {HiddenSize} must divide into {Heads} heads, and heads into {KvHeads} KV heads.");
        if (HeadDim % 8 != 0)
            throw new ArgumentException($"head dim {HeadDim} must be a multiple of 8 for the M-RoPE sections.");
        if (VisionEmbedSize % VisionHeads != 0 || (VisionEmbedSize / VisionHeads) % 4 != 0)
            throw new ArgumentException($"vision embed size {VisionEmbedSize} must split into {VisionHeads} heads whose size is a multiple of 4.");
        if (Architecture == QwenVlArchitecture.Qwen3Vl && (VisionDepth < 2 || Layers < 2))
            throw new ArgumentException("Qwen3-VL tiny models need at least two vision blocks and two decoder layers (DeepStack feeds all but the last).");
        if (Layers < 1 || VisionDepth < 1)
            throw new ArgumentException("A model needs at least one text layer and one vision block.");
        if (Architecture == QwenVlArchitecture.Qwen25Vl && VisionDepth % 2 != 0)
            throw new ArgumentException("Qwen2.5-VL tiny models need an even vision depth (full attention every second block).");
    }

    /// <summary>M-RoPE sections in Qwen's proportions (16:24:24 of 64; Qwen3-VL 24:20:20), scaled to this head size.</summary>
    internal int[] MropeSections()
    {
        var half = HeadDim / 2;
        if (Architecture == QwenVlArchitecture.Qwen3Vl)
        {
            var spatial = (int)Math.Round(half * 20.0 / 64, MidpointRounding.AwayFromZero);
            return [half - 2 * spatial, spatial, spatial];
        }
        var t = half / 4;
        var h = (half - t) / 2;
        return [t, h, half - t - h];
    }
}
