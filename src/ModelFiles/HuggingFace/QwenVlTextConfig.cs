using System.Text.Json.Nodes;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>Hyper-parameters of the Qwen2 language model inside a Qwen2-VL / Qwen2.5-VL checkpoint.</summary>
public sealed record QwenVlTextConfig
{
    public required int HiddenSize { get; init; }

    public required int IntermediateSize { get; init; }

    public required int NumHiddenLayers { get; init; }

    public required int NumAttentionHeads { get; init; }

    /// <summary>Grouped-query attention: key/value heads (equals <see cref="NumAttentionHeads"/> without GQA).</summary>
    public required int NumKeyValueHeads { get; init; }

    public required int VocabSize { get; init; }

    public double RmsNormEps { get; init; } = 1e-6;

    public double RopeTheta { get; init; } = 1_000_000.0;

    public int MaxPositionEmbeddings { get; init; } = 32768;

    public bool TieWordEmbeddings { get; init; }

    /// <summary>
    /// M-RoPE split of the rotary half-dimensions into temporal, height and width sections; sums to
    /// <see cref="HeadDim"/> / 2.
    /// </summary>
    public required IReadOnlyList<int> MropeSection { get; init; }

    public int? BosTokenId { get; init; }

    public int? EosTokenId { get; init; }

    public string HiddenAct { get; init; } = "silu";

    /// <summary>Qwen3-VL states <c>head_dim</c> outright (Qwen3-VL-4B: 128 although 2560 / 32 = 80); null: hidden / heads.</summary>
    public int? ExplicitHeadDim { get; init; }

    /// <summary>Qwen3-VL: RMSNorm on each query and key head before RoPE (<c>q_norm</c>, <c>k_norm</c>).</summary>
    public bool QkNorm { get; init; }

    /// <summary>Qwen3-VL: the M-RoPE sections are interleaved over the rotary dimensions (t, h, w, t, h, w, …) instead of contiguous.</summary>
    public bool MropeInterleaved { get; init; }

    /// <summary>Bias on the q/k/v projections (Qwen2 has it; Qwen3 does not).</summary>
    public bool AttentionBias { get; init; } = true;

    public int HeadDim => ExplicitHeadDim ?? HiddenSize / NumAttentionHeads;

    /// <param name="section">Where the text fields are (the root, or <c>text_config</c>).</param>
    /// <param name="root">The file's root, consulted for fields newer layouts keep there (token ids, tying).</param>
    internal static QwenVlTextConfig Parse(JsonObjectReader section, JsonObjectReader root)
    {
        int hidden = section.RequirePositiveInt("hidden_size");
        int heads = section.RequirePositiveInt("num_attention_heads");
        int kvHeads = section.OptionalPositiveInt("num_key_value_heads") ?? heads;
        if (hidden % heads != 0)
            throw section.Error("num_attention_heads", $"{heads} does not divide hidden_size {hidden}");
        if (heads % kvHeads != 0)
            throw section.Error("num_key_value_heads", $"{kvHeads} does not divide num_attention_heads {heads}");

        // RoPE settings moved from rope_scaling/rope_theta to rope_parameters in newer transformers.
        var rope = section.OptionalObject("rope_scaling") ?? section.OptionalObject("rope_parameters")
            ?? root.OptionalObject("rope_scaling") ?? root.OptionalObject("rope_parameters")
            ?? throw section.Error("rope_scaling", "is missing (it carries mrope_section)");
        var mrope = ReadMropeSection(rope, headDim: hidden / heads);

        double eps = section.OptionalDouble("rms_norm_eps") ?? 1e-6;
        if (!(eps >= 0))
            throw section.Error("rms_norm_eps", $"must be non-negative, found {eps}");
        double theta = section.OptionalDouble("rope_theta") ?? rope.OptionalDouble("rope_theta") ?? 1_000_000.0;
        if (!(theta > 0))
            throw section.Error("rope_theta", $"must be positive, found {theta}");

        return new QwenVlTextConfig
        {
            HiddenSize = hidden,
            IntermediateSize = section.RequirePositiveInt("intermediate_size"),
            NumHiddenLayers = section.RequirePositiveInt("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            VocabSize = section.RequirePositiveInt("vocab_size"),
            RmsNormEps = eps,
            RopeTheta = theta,
            MaxPositionEmbeddings = section.OptionalPositiveInt("max_position_embeddings") ?? 32768,
            TieWordEmbeddings = section.OptionalBool("tie_word_embeddings") ?? root.OptionalBool("tie_word_embeddings") ?? false,
            MropeSection = mrope,
            BosTokenId = FirstTokenId(section, "bos_token_id") ?? FirstTokenId(root, "bos_token_id"),
            EosTokenId = FirstTokenId(section, "eos_token_id") ?? FirstTokenId(root, "eos_token_id"),
            HiddenAct = section.OptionalString("hidden_act") ?? "silu",
        };
    }

    /// <summary>
    /// <c>mrope_section</c>: how many rotary pairs of each head go to time, height and width; they must cover the head
    /// (sum = head_dim/2), as llama.cpp's M-RoPE reads them.
    /// </summary>
    internal static IReadOnlyList<int> ReadMropeSection(JsonObjectReader rope, int headDim)
    {
        var mrope = rope.OptionalIntArray("mrope_section") ?? throw rope.Error("mrope_section", "is missing");
        if (mrope.Count != 3 || mrope.Any(value => value < 0))
            throw rope.Error("mrope_section", $"must be 3 non-negative integers, found [{string.Join(", ", mrope)}]");
        if (mrope.Sum() * 2 != headDim)
            throw rope.Error("mrope_section", $"[{string.Join(", ", mrope)}] sums to {mrope.Sum()}, expected head_dim/2 = {headDim / 2}");
        return mrope;
    }

    /// <summary>Token ids are sometimes lists (several end tokens); the first is the canonical one.</summary>
    internal static int? FirstTokenId(JsonObjectReader reader, string key) =>
        reader.Node[key] is JsonArray ? reader.OptionalIntArray(key)!.FirstOrDefault() : reader.OptionalInt(key);

    internal void WriteTo(JsonObject root)
    {
        root["hidden_size"] = HiddenSize;
        root["intermediate_size"] = IntermediateSize;
        root["num_hidden_layers"] = NumHiddenLayers;
        root["num_attention_heads"] = NumAttentionHeads;
        root["num_key_value_heads"] = NumKeyValueHeads;
        root["hidden_act"] = HiddenAct;
        root["rms_norm_eps"] = RmsNormEps;
        root["rope_theta"] = RopeTheta;
        root["max_position_embeddings"] = MaxPositionEmbeddings;
        root["max_window_layers"] = NumHiddenLayers;
        root["use_sliding_window"] = false;
        root["sliding_window"] = MaxPositionEmbeddings;
        root["attention_dropout"] = 0.0;
        root["initializer_range"] = 0.02;
        root["use_cache"] = true;
        root["vocab_size"] = VocabSize;
        root["tie_word_embeddings"] = TieWordEmbeddings;
        QwenVlConfig.AddIfSet(root, "bos_token_id", BosTokenId);
        QwenVlConfig.AddIfSet(root, "eos_token_id", EosTokenId);
        root["rope_scaling"] = new JsonObject
        {
            ["type"] = "mrope",
            ["mrope_section"] = new JsonArray(MropeSection.Select(value => (JsonNode?)value).ToArray()),
        };
    }
}
