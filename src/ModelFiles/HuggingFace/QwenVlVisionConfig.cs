using System.Text.Json.Nodes;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>
/// The vision encoder (ViT + patch merger) of a Qwen2-VL / Qwen2.5-VL checkpoint, normalised across the two
/// spellings: Qwen2-VL calls the ViT width <c>embed_dim</c>, the MLP width <c>mlp_ratio</c> × width, and the merger's
/// output <c>hidden_size</c>; Qwen2.5-VL calls them <c>hidden_size</c>, <c>intermediate_size</c> and
/// <c>out_hidden_size</c>.
/// </summary>
public sealed record QwenVlVisionConfig
{
    public required int Depth { get; init; }

    /// <summary>Width of the ViT blocks.</summary>
    public required int EmbedDim { get; init; }

    public required int NumHeads { get; init; }

    /// <summary>Width of the ViT MLP.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Qwen2-VL's MLP ratio, when the file gives one (intermediate = embed_dim × ratio).</summary>
    public double? MlpRatio { get; init; }

    public int PatchSize { get; init; } = 14;

    public int SpatialMergeSize { get; init; } = 2;

    public int TemporalPatchSize { get; init; } = 2;

    public int InChannels { get; init; } = 3;

    /// <summary>Output width of the patch merger, i.e. the language model's hidden size.</summary>
    public required int OutHiddenSize { get; init; }

    /// <summary>Qwen2.5-VL: window size in pixels for windowed attention.</summary>
    public int? WindowSize { get; init; }

    /// <summary>Qwen2.5-VL: blocks that use full attention; all others use window attention.</summary>
    public IReadOnlyList<int> FullAttentionBlockIndexes { get; init; } = [];

    /// <summary><c>quick_gelu</c> for Qwen2-VL, <c>silu</c> for Qwen2.5-VL unless the file says otherwise.</summary>
    public required string HiddenAct { get; init; }

    /// <summary>Qwen2.5-VL: temporal positions per second of video; written back unchanged.</summary>
    public int? TokensPerSecond { get; init; }

    /// <summary>Qwen3-VL: rows of the learned absolute position table (a square grid, interpolated to each image's patch grid).</summary>
    public int? NumPositionEmbeddings { get; init; }

    /// <summary>Qwen3-VL: blocks whose output feeds, through its own merger, the first decoder layers (DeepStack), in order.</summary>
    public IReadOnlyList<int> DeepstackVisualIndexes { get; init; } = [];

    internal static QwenVlVisionConfig Parse(JsonObjectReader vision, QwenVlArchitecture architecture, int textHiddenSize)
    {
        int depth = vision.RequirePositiveInt("depth");
        int heads = vision.RequirePositiveInt("num_heads");
        int patch = vision.OptionalPositiveInt("patch_size") ?? vision.OptionalPositiveInt("spatial_patch_size") ?? 14;
        int merge = vision.OptionalPositiveInt("spatial_merge_size") ?? 2;
        int temporal = vision.OptionalPositiveInt("temporal_patch_size") ?? 2;
        int channels = vision.OptionalPositiveInt("in_channels") ?? vision.OptionalPositiveInt("in_chans") ?? 3;

        int embed, intermediate, outHidden;
        double? mlpRatio = vision.OptionalDouble("mlp_ratio");
        string defaultAct;
        if (architecture == QwenVlArchitecture.Qwen2Vl)
        {
            embed = vision.RequirePositiveInt("embed_dim");
            mlpRatio ??= 4;
            intermediate = vision.OptionalPositiveInt("intermediate_size") ?? (int)(embed * mlpRatio.Value);
            outHidden = vision.OptionalPositiveInt("hidden_size") ?? textHiddenSize;
            defaultAct = "quick_gelu";
        }
        else
        {
            embed = vision.RequirePositiveInt("hidden_size");
            intermediate = vision.RequirePositiveInt("intermediate_size");
            outHidden = vision.OptionalPositiveInt("out_hidden_size") ?? textHiddenSize;
            defaultAct = "silu";
        }
        if (embed % heads != 0)
            throw vision.Error("num_heads", $"{heads} does not divide the ViT width {embed}");
        if (outHidden != textHiddenSize)
            throw vision.Error(architecture == QwenVlArchitecture.Qwen2Vl ? "hidden_size" : "out_hidden_size",
                $"merger output {outHidden} differs from the language model's hidden_size {textHiddenSize}");

        var fullAttention = vision.OptionalIntArray("fullatt_block_indexes") ?? [];
        foreach (var index in fullAttention)
        {
            if (index < 0 || index >= depth)
                throw vision.Error("fullatt_block_indexes", $"block {index} is outside 0..{depth - 1}");
        }

        return new QwenVlVisionConfig
        {
            Depth = depth,
            EmbedDim = embed,
            NumHeads = heads,
            IntermediateSize = intermediate,
            MlpRatio = architecture == QwenVlArchitecture.Qwen2Vl ? mlpRatio : null,
            PatchSize = patch,
            SpatialMergeSize = merge,
            TemporalPatchSize = temporal,
            InChannels = channels,
            OutHiddenSize = outHidden,
            WindowSize = vision.OptionalPositiveInt("window_size"),
            FullAttentionBlockIndexes = fullAttention,
            HiddenAct = vision.OptionalString("hidden_act") ?? defaultAct,
            TokensPerSecond = vision.OptionalInt("tokens_per_second"),
        };
    }

    internal JsonObject ToJson(QwenVlArchitecture architecture)
    {
        var node = new JsonObject { ["depth"] = Depth };
        if (architecture == QwenVlArchitecture.Qwen2Vl)
        {
            node["embed_dim"] = EmbedDim;
            node["mlp_ratio"] = MlpRatio ?? (double)IntermediateSize / EmbedDim;
            if (MlpRatio is null || (int)(EmbedDim * MlpRatio.Value) != IntermediateSize)
                node["intermediate_size"] = IntermediateSize;
            node["hidden_size"] = OutHiddenSize;
        }
        else
        {
            node["hidden_size"] = EmbedDim;
            node["intermediate_size"] = IntermediateSize;
            node["out_hidden_size"] = OutHiddenSize;
        }
        node["num_heads"] = NumHeads;
        node["hidden_act"] = HiddenAct;
        node["in_chans"] = InChannels;
        node["patch_size"] = PatchSize;
        node["spatial_patch_size"] = PatchSize;
        node["spatial_merge_size"] = SpatialMergeSize;
        node["temporal_patch_size"] = TemporalPatchSize;
        QwenVlConfig.AddIfSet(node, "window_size", WindowSize);
        if (architecture == QwenVlArchitecture.Qwen25Vl || FullAttentionBlockIndexes.Count > 0)
            node["fullatt_block_indexes"] = new JsonArray(FullAttentionBlockIndexes.Select(value => (JsonNode?)value).ToArray());
        QwenVlConfig.AddIfSet(node, "tokens_per_second", TokensPerSecond);
        return node;
    }
}
