using System.Text.Json.Nodes;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>
/// Reads and writes the nested <c>config.json</c> of a dense Qwen3-VL checkpoint (transformers'
/// <c>Qwen3VLConfig</c> / <c>Qwen3VLTextConfig</c> / <c>Qwen3VLVisionConfig</c>).
/// <para>
/// Strict by design: every key is either understood, or known to carry no weight on the computation (initialisers,
/// caching, dtype, provenance). Any other key, such as a mixture-of-experts variant's <c>num_experts</c>, is refused
/// with its path, because a converter that skips a field it does not know writes a model that loads and computes
/// something else. Values the served graph (llama.cpp <c>qwen3vl</c> + mtmd <c>qwen3vl_merger</c>) cannot express are
/// refused the same way: attention bias, a non-SiLU text MLP, a rotary scheme other than interleaved M-RoPE.
/// </para>
/// </summary>
internal static class Qwen3VlConfigJson
{
    private static readonly HashSet<string> RootKeys =
    [
        "architectures", "model_type", "text_config", "vision_config", "image_token_id", "video_token_id",
        "vision_start_token_id", "vision_end_token_id", "tie_word_embeddings", "torch_dtype", "dtype",
    ];

    private static readonly HashSet<string> TextKeys =
    [
        "model_type", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
        "head_dim", "vocab_size", "rms_norm_eps", "rope_theta", "rope_scaling", "rope_parameters", "max_position_embeddings",
        "tie_word_embeddings", "bos_token_id", "eos_token_id", "pad_token_id", "hidden_act", "attention_bias",
        "use_sliding_window", "sliding_window", "max_window_layers",
    ];

    private static readonly HashSet<string> RopeKeys = ["mrope_section", "mrope_interleaved", "rope_type", "type", "rope_theta"];

    private static readonly HashSet<string> VisionKeys =
    [
        "model_type", "depth", "hidden_size", "intermediate_size", "num_heads", "out_hidden_size", "patch_size",
        "spatial_merge_size", "temporal_patch_size", "in_channels", "num_position_embeddings", "deepstack_visual_indexes",
        "hidden_act",
    ];

    /// <summary>Keys that never change the computation (training, caching, storage and provenance settings).</summary>
    private static readonly HashSet<string> InertKeys =
    [
        "transformers_version", "_name_or_path", "initializer_range", "use_cache", "attention_dropout", "torch_dtype", "dtype",
        "output_attentions", "output_hidden_states", "return_dict",
    ];

    public static QwenVlConfig Parse(JsonObjectReader root)
    {
        RefuseUnknown(root, RootKeys);
        var text = ParseText(root.RequireObject("text_config"), root);
        var vision = ParseVision(root.RequireObject("vision_config"), text.HiddenSize, text.NumHiddenLayers);
        return new QwenVlConfig
        {
            Architecture = QwenVlArchitecture.Qwen3Vl,
            Text = text,
            Vision = vision,
            VisionStartTokenId = root.OptionalInt("vision_start_token_id"),
            VisionEndTokenId = root.OptionalInt("vision_end_token_id"),
            ImageTokenId = root.OptionalInt("image_token_id"),
            VideoTokenId = root.OptionalInt("video_token_id"),
            TorchDtype = root.OptionalString("torch_dtype") ?? root.OptionalString("dtype"),
        };
    }

    private static void RefuseUnknown(JsonObjectReader section, HashSet<string> understood)
    {
        foreach (var (key, _) in section.Node)
        {
            if (!understood.Contains(key) && !InertKeys.Contains(key))
                throw section.Error(key, "is not understood by this converter for Qwen3-VL (only the dense Qwen3-VL architecture is supported); refusing rather than writing a model that computes something else");
        }
    }

    private static void Require(JsonObjectReader section, string key, string? actual, params string[] allowed)
    {
        if (actual is not null && !allowed.Contains(actual))
            throw section.Error(key, $"is \"{actual}\"; llama.cpp's qwen3vl graph supports only {string.Join(" or ", allowed.Select(a => $"\"{a}\""))}");
    }

    private static QwenVlTextConfig ParseText(JsonObjectReader text, JsonObjectReader root)
    {
        RefuseUnknown(text, TextKeys);
        Require(text, "model_type", text.OptionalString("model_type"), "qwen3_vl_text");
        Require(text, "hidden_act", text.OptionalString("hidden_act"), "silu");
        if (text.OptionalBool("attention_bias") == true)
            throw text.Error("attention_bias", "is true; Qwen3-VL's q/k/v projections have no bias and llama.cpp's qwen3vl graph adds none");
        if (text.OptionalBool("use_sliding_window") == true)
            throw text.Error("use_sliding_window", "is true; llama.cpp's qwen3vl graph has no sliding-window attention");

        int hidden = text.RequirePositiveInt("hidden_size");
        int heads = text.RequirePositiveInt("num_attention_heads");
        int kvHeads = text.OptionalPositiveInt("num_key_value_heads") ?? heads;
        if (heads % kvHeads != 0)
            throw text.Error("num_key_value_heads", $"{kvHeads} does not divide num_attention_heads {heads}");
        int? explicitHeadDim = text.OptionalPositiveInt("head_dim");
        if (explicitHeadDim is null && hidden % heads != 0)
            throw text.Error("num_attention_heads", $"{heads} does not divide hidden_size {hidden} and head_dim is not given");
        int headDim = explicitHeadDim ?? hidden / heads;
        if (headDim % 2 != 0)
            throw text.Error("head_dim", $"{headDim} is odd; rotary embeddings rotate pairs");

        var rope = text.OptionalObject("rope_scaling") ?? text.OptionalObject("rope_parameters")
            ?? throw text.Error("rope_scaling", "is missing (it carries mrope_section)");
        RefuseUnknown(rope, RopeKeys);
        Require(rope, "rope_type", rope.OptionalString("rope_type"), "default", "mrope");
        Require(rope, "type", rope.OptionalString("type"), "default", "mrope");
        if (rope.OptionalBool("mrope_interleaved") != true)
            throw rope.Error("mrope_interleaved", "must be true: llama.cpp serves Qwen3-VL with interleaved M-RoPE only");
        var mrope = QwenVlTextConfig.ReadMropeSection(rope, headDim);
        // Interleaved layout: height takes rotary pairs 1, 4, 7, … below 3·h and width 2, 5, 8, … below 3·w.
        if (mrope[1] * 3 > headDim / 2 || mrope[2] * 3 > headDim / 2)
            throw rope.Error("mrope_section", $"[{string.Join(", ", mrope)}]: interleaved height/width sections need 3·section ≤ head_dim/2 = {headDim / 2}");

        double eps = text.OptionalDouble("rms_norm_eps") ?? 1e-6;
        if (!(eps > 0))
            throw text.Error("rms_norm_eps", $"must be positive, found {eps}");
        double theta = text.OptionalDouble("rope_theta") ?? rope.OptionalDouble("rope_theta") ?? 5_000_000.0;
        if (!(theta > 0))
            throw text.Error("rope_theta", $"must be positive, found {theta}");

        return new QwenVlTextConfig
        {
            HiddenSize = hidden,
            IntermediateSize = text.RequirePositiveInt("intermediate_size"),
            NumHiddenLayers = text.RequirePositiveInt("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            ExplicitHeadDim = explicitHeadDim,
            VocabSize = text.RequirePositiveInt("vocab_size"),
            RmsNormEps = eps,
            RopeTheta = theta,
            MaxPositionEmbeddings = text.OptionalPositiveInt("max_position_embeddings") ?? 262144,
            TieWordEmbeddings = root.OptionalBool("tie_word_embeddings") ?? text.OptionalBool("tie_word_embeddings") ?? false,
            MropeSection = mrope,
            MropeInterleaved = true,
            QkNorm = true,
            AttentionBias = false,
            BosTokenId = text.OptionalInt("bos_token_id"),
            EosTokenId = QwenVlTextConfig.FirstTokenId(text, "eos_token_id"),
            HiddenAct = "silu",
        };
    }

    private static QwenVlVisionConfig ParseVision(JsonObjectReader vision, int textHiddenSize, int textLayers)
    {
        RefuseUnknown(vision, VisionKeys);
        Require(vision, "model_type", vision.OptionalString("model_type"), "qwen3_vl");
        Require(vision, "hidden_act", vision.OptionalString("hidden_act"), "gelu_pytorch_tanh");
        int depth = vision.RequirePositiveInt("depth");
        int embed = vision.RequirePositiveInt("hidden_size");
        int heads = vision.RequirePositiveInt("num_heads");
        if (embed % heads != 0)
            throw vision.Error("num_heads", $"{heads} does not divide the ViT width {embed}");
        if ((embed / heads) % 4 != 0)
            throw vision.Error("num_heads", $"head size {embed / heads} must be a multiple of 4 for the vision tower's 2-D rotary sections");
        int outHidden = vision.OptionalPositiveInt("out_hidden_size") ?? textHiddenSize;
        if (outHidden != textHiddenSize)
            throw vision.Error("out_hidden_size", $"merger output {outHidden} differs from the language model's hidden_size {textHiddenSize}");
        int temporal = vision.OptionalPositiveInt("temporal_patch_size") ?? 2;
        if (temporal != 2)
            throw vision.Error("temporal_patch_size", $"is {temporal}; llama.cpp splits the patch kernel into exactly two frames");
        int positions = vision.OptionalPositiveInt("num_position_embeddings") ?? 2304;
        var side = (int)Math.Round(Math.Sqrt(positions));
        if (side * side != positions)
            throw vision.Error("num_position_embeddings", $"{positions} is not a square grid; the learned position table is interpolated as side × side");

        var deepstack = vision.OptionalIntArray("deepstack_visual_indexes") ?? [];
        for (var i = 0; i < deepstack.Count; i++)
        {
            if (deepstack[i] < 0 || deepstack[i] >= depth)
                throw vision.Error("deepstack_visual_indexes", $"block {deepstack[i]} is outside 0..{depth - 1}");
            if (i > 0 && deepstack[i] <= deepstack[i - 1])
                throw vision.Error("deepstack_visual_indexes", $"[{string.Join(", ", deepstack)}] must be strictly increasing (mtmd concatenates the features in block order)");
        }

        // llama.cpp adds DeepStack slice k after decoder layer k; in the last layer only the output rows remain and the
        // add aborts the process (ggml_can_repeat), so every DeepStack slice must land before the last layer.
        if (deepstack.Count >= textLayers)
            throw vision.Error("deepstack_visual_indexes", $"{deepstack.Count} DeepStack blocks need more than {deepstack.Count} decoder layers; text_config.num_hidden_layers is {textLayers}");

        return new QwenVlVisionConfig
        {
            Depth = depth,
            EmbedDim = embed,
            NumHeads = heads,
            IntermediateSize = vision.RequirePositiveInt("intermediate_size"),
            PatchSize = vision.OptionalPositiveInt("patch_size") ?? 16,
            SpatialMergeSize = vision.OptionalPositiveInt("spatial_merge_size") ?? 2,
            TemporalPatchSize = temporal,
            InChannels = vision.OptionalPositiveInt("in_channels") ?? 3,
            OutHiddenSize = outHidden,
            HiddenAct = "gelu_pytorch_tanh",
            NumPositionEmbeddings = positions,
            DeepstackVisualIndexes = deepstack,
        };
    }

    public static JsonObject ToJson(QwenVlConfig config)
    {
        var t = config.Text;
        var v = config.Vision;
        var text = new JsonObject
        {
            ["model_type"] = "qwen3_vl_text",
            ["hidden_size"] = t.HiddenSize,
            ["intermediate_size"] = t.IntermediateSize,
            ["num_hidden_layers"] = t.NumHiddenLayers,
            ["num_attention_heads"] = t.NumAttentionHeads,
            ["num_key_value_heads"] = t.NumKeyValueHeads,
            ["head_dim"] = t.HeadDim,
            ["hidden_act"] = "silu",
            ["attention_bias"] = false,
            ["attention_dropout"] = 0.0,
            ["initializer_range"] = 0.02,
            ["rms_norm_eps"] = t.RmsNormEps,
            ["rope_theta"] = t.RopeTheta,
            ["rope_scaling"] = new JsonObject
            {
                ["rope_type"] = "default",
                ["mrope_interleaved"] = true,
                ["mrope_section"] = new JsonArray(t.MropeSection.Select(value => (JsonNode?)value).ToArray()),
            },
            ["max_position_embeddings"] = t.MaxPositionEmbeddings,
            ["vocab_size"] = t.VocabSize,
            ["tie_word_embeddings"] = t.TieWordEmbeddings,
            ["use_cache"] = true,
        };
        QwenVlConfig.AddIfSet(text, "bos_token_id", t.BosTokenId);
        QwenVlConfig.AddIfSet(text, "eos_token_id", t.EosTokenId);
        var vision = new JsonObject
        {
            ["model_type"] = "qwen3_vl",
            ["depth"] = v.Depth,
            ["hidden_size"] = v.EmbedDim,
            ["intermediate_size"] = v.IntermediateSize,
            ["num_heads"] = v.NumHeads,
            ["out_hidden_size"] = v.OutHiddenSize,
            ["hidden_act"] = v.HiddenAct,
            ["in_channels"] = v.InChannels,
            ["patch_size"] = v.PatchSize,
            ["spatial_merge_size"] = v.SpatialMergeSize,
            ["temporal_patch_size"] = v.TemporalPatchSize,
            ["num_position_embeddings"] = v.NumPositionEmbeddings ?? 2304,
            ["deepstack_visual_indexes"] = new JsonArray(v.DeepstackVisualIndexes.Select(value => (JsonNode?)value).ToArray()),
            ["initializer_range"] = 0.02,
        };
        var root = new JsonObject
        {
            ["architectures"] = new JsonArray(config.Architecture.ArchitectureClass()),
            ["model_type"] = config.Architecture.ModelType(),
            ["text_config"] = text,
            ["vision_config"] = vision,
            ["tie_word_embeddings"] = t.TieWordEmbeddings,
        };
        QwenVlConfig.AddIfSet(root, "image_token_id", config.ImageTokenId);
        QwenVlConfig.AddIfSet(root, "video_token_id", config.VideoTokenId);
        QwenVlConfig.AddIfSet(root, "vision_start_token_id", config.VisionStartTokenId);
        QwenVlConfig.AddIfSet(root, "vision_end_token_id", config.VisionEndTokenId);
        if (config.TorchDtype is not null)
            root["torch_dtype"] = config.TorchDtype;
        return root;
    }
}
