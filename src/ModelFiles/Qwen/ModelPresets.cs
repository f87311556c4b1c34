using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>
/// A published checkpoint's shape: its <c>config.json</c> as Hugging Face ships it (dimensions, tying, RoPE, vision
/// tower, special-token ids) and the last id of the family's own added tokens. Random weights at this shape with the
/// family's real tokenizer take every byte path the published checkpoint takes; only the values differ.
/// </summary>
/// <param name="Name">The command-line name (<c>qwen2-vl-2b</c>).</param>
/// <param name="PublishedAs">The Hugging Face repository whose <c>config.json</c> this reproduces.</param>
/// <param name="Config">That <c>config.json</c>.</param>
/// <param name="LastAddedTokenId">The family's added tokens are the ids from 151643 up to this one; a newer tokenizer's
/// later additions are cut when it is imported (<see cref="FamilyTokenizer"/>).</param>
public sealed record ModelPreset(string Name, string PublishedAs, QwenVlConfig Config, int LastAddedTokenId);

/// <summary>
/// The published shapes the <c>tiny --preset</c> command writes. One entry per checkpoint; a new family adds its own
/// entries here (and its config type, if it needs one) — nothing else refers to the list.
/// </summary>
public static class ModelPresets
{
    /// <summary>Embedding rows of every Qwen2 / Qwen2.5 / Qwen3 checkpoint: the 151,643 BPE tokens, the added tokens,
    /// and padding up to a size that tiles well on GPUs.</summary>
    public const int QwenVocabSize = 151_936;

    /// <summary><c>&lt;|endoftext|&gt;</c>, the first added token of every Qwen tokenizer.</summary>
    public const int EndOfTextId = 151_643;

    /// <summary>Qwen2-VL's added tokens end at <c>&lt;|video_pad|&gt;</c>.</summary>
    public const int Qwen2VlLastAddedTokenId = 151_656;

    /// <summary>Qwen2.5-VL's go on to <c>&lt;|file_sep|&gt;</c> (tool-call and fill-in-the-middle tokens).</summary>
    public const int Qwen25VlLastAddedTokenId = 151_664;

    /// <summary>Qwen3-VL's go on to <c>&lt;/think&gt;</c> (tool-response and the two reasoning tokens).</summary>
    public const int Qwen3VlLastAddedTokenId = 151_668;

    public static IReadOnlyList<ModelPreset> All { get; } =
    [
        new("qwen2-vl-2b", "Qwen/Qwen2-VL-2B-Instruct", Qwen2Vl(hidden: 1536, intermediate: 8960, layers: 28, heads: 12, kvHeads: 2, tied: true), Qwen2VlLastAddedTokenId),
        new("qwen2.5-vl-3b", "Qwen/Qwen2.5-VL-3B-Instruct", Qwen25Vl(hidden: 2048, intermediate: 11008, layers: 36, heads: 16, kvHeads: 2, tied: true), Qwen25VlLastAddedTokenId),
        new("qwen2.5-vl-7b", "Qwen/Qwen2.5-VL-7B-Instruct", Qwen25Vl(hidden: 3584, intermediate: 18944, layers: 28, heads: 28, kvHeads: 4, tied: false), Qwen25VlLastAddedTokenId),
        new("qwen3-vl-2b", "Qwen/Qwen3-VL-2B-Instruct", Qwen3Vl(hidden: 2048, intermediate: 6144, layers: 28, heads: 16), Qwen3VlLastAddedTokenId),
        new("qwen3-vl-4b", "Qwen/Qwen3-VL-4B-Instruct", Qwen3Vl(hidden: 2560, intermediate: 9728, layers: 36, heads: 32), Qwen3VlLastAddedTokenId),
    ];

    /// <summary>The preset of that name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No such preset; the message lists the known ones.</exception>
    public static ModelPreset Find(string name) =>
        All.FirstOrDefault(preset => string.Equals(preset.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown preset '{name}': expected one of {string.Join(", ", All.Select(preset => preset.Name))}.");

    /// <summary>The last added-token id of a family's own tokenizer.</summary>
    public static int LastAddedTokenId(QwenVlArchitecture architecture) => architecture switch
    {
        QwenVlArchitecture.Qwen2Vl => Qwen2VlLastAddedTokenId,
        QwenVlArchitecture.Qwen3Vl => Qwen3VlLastAddedTokenId,
        _ => Qwen25VlLastAddedTokenId,
    };

    // Qwen2-VL-2B-Instruct/config.json: 32 ViT blocks of width 1280 (16 heads, MLP ratio 4, QuickGELU), M-RoPE 16/24/24,
    // 32,768 positions, BF16.
    private static QwenVlConfig Qwen2Vl(int hidden, int intermediate, int layers, int heads, int kvHeads, bool tied) => WithVisionTokenIds(new()
    {
        Architecture = QwenVlArchitecture.Qwen2Vl,
        Text = Text(hidden, intermediate, layers, heads, kvHeads, tied, maxPositions: 32_768),
        Vision = new QwenVlVisionConfig
        {
            Depth = 32,
            EmbedDim = 1280,
            NumHeads = 16,
            IntermediateSize = 1280 * 4,
            MlpRatio = 4,
            OutHiddenSize = hidden,
            HiddenAct = "quick_gelu",
        },
    });

    // Qwen2.5-VL-{3B,7B}-Instruct/config.json: 32 RMSNorm/SwiGLU ViT blocks of width 1280 (MLP 3420), window attention
    // of 112 px except in blocks 7, 15, 23 and 31, M-RoPE 16/24/24, 128,000 positions, BF16.
    private static QwenVlConfig Qwen25Vl(int hidden, int intermediate, int layers, int heads, int kvHeads, bool tied) => WithVisionTokenIds(new()
    {
        Architecture = QwenVlArchitecture.Qwen25Vl,
        Text = Text(hidden, intermediate, layers, heads, kvHeads, tied, maxPositions: 128_000),
        Vision = new QwenVlVisionConfig
        {
            Depth = 32,
            EmbedDim = 1280,
            NumHeads = 16,
            IntermediateSize = 3420,
            OutHiddenSize = hidden,
            WindowSize = 112,
            FullAttentionBlockIndexes = [7, 15, 23, 31],
            HiddenAct = "silu",
            TokensPerSecond = 2,
        },
    });

    /// <summary>Qwen2-VL's and Qwen2.5-VL's shared vision token ids and BF16 dtype.</summary>
    private static QwenVlConfig WithVisionTokenIds(QwenVlConfig config) => config with
    {
        TorchDtype = "bfloat16",
        VisionStartTokenId = 151_652,
        VisionEndTokenId = 151_653,
        VisionTokenId = 151_654,
        ImageTokenId = 151_655,
        VideoTokenId = 151_656,
    };

    // Qwen3-VL-{2B,4B}-Instruct/config.json: 24 LayerNorm/GELU ViT blocks of width 1024 (16 heads, MLP 4096) on 16-px
    // patches with a 48 × 48 learned position table, DeepStack from blocks 5, 11 and 17; decoder with q/k RMSNorm,
    // head_dim 128 (4B: 2560 / 32 would be 80), 8 KV heads, interleaved M-RoPE 24/20/20, θ = 5,000,000, 262,144
    // positions, tied embeddings, BF16. The Thinking variants have the same shapes.
    private static QwenVlConfig Qwen3Vl(int hidden, int intermediate, int layers, int heads) => new()
    {
        Architecture = QwenVlArchitecture.Qwen3Vl,
        TorchDtype = "bfloat16",
        VisionStartTokenId = 151_652,
        VisionEndTokenId = 151_653,
        ImageTokenId = 151_655,
        VideoTokenId = 151_656,
        Text = Text(hidden, intermediate, layers, heads, kvHeads: 8, tied: true, maxPositions: 262_144) with
        {
            ExplicitHeadDim = 128,
            RopeTheta = 5_000_000.0,
            MropeSection = [24, 20, 20],
            MropeInterleaved = true,
            QkNorm = true,
            AttentionBias = false,
        },
        Vision = new QwenVlVisionConfig
        {
            Depth = 24,
            EmbedDim = 1024,
            NumHeads = 16,
            IntermediateSize = 4096,
            PatchSize = 16,
            OutHiddenSize = hidden,
            HiddenAct = "gelu_pytorch_tanh",
            NumPositionEmbeddings = 2304,
            DeepstackVisualIndexes = [5, 11, 17],
        },
    };

    private static QwenVlTextConfig Text(int hidden, int intermediate, int layers, int heads, int kvHeads, bool tied, int maxPositions) => new()
    {
        HiddenSize = hidden,
        IntermediateSize = intermediate,
        NumHiddenLayers = layers,
        NumAttentionHeads = heads,
        NumKeyValueHeads = kvHeads,
        VocabSize = QwenVocabSize,
        RmsNormEps = 1e-6,
        RopeTheta = 1_000_000.0,
        MaxPositionEmbeddings = maxPositions,
        TieWordEmbeddings = tied,
        MropeSection = [16, 24, 24],
        BosTokenId = EndOfTextId,
        EosTokenId = 151_645,
    };
}
