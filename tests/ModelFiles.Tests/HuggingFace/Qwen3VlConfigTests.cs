using System.Text.Json.Nodes;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;

namespace DynamicCot.ModelFiles.Tests.HuggingFace;

public sealed class Qwen3VlConfigTests
{
    // Shaped like the published Qwen3-VL-2B-Instruct config.json (transformers 4.57, nested layout).
    private const string Qwen3Vl2B = """
        {
          "architectures": ["Qwen3VLForConditionalGeneration"], "model_type": "qwen3_vl",
          "image_token_id": 151655, "video_token_id": 151656, "vision_start_token_id": 151652, "vision_end_token_id": 151653,
          "tie_word_embeddings": true, "transformers_version": "4.57.0.dev0",
          "text_config": {
            "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 151643, "dtype": "bfloat16", "eos_token_id": 151645,
            "head_dim": 128, "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 6144,
            "max_position_embeddings": 262144, "model_type": "qwen3_vl_text", "num_attention_heads": 16, "num_hidden_layers": 28,
            "num_key_value_heads": 8, "rms_norm_eps": 1e-06,
            "rope_scaling": { "mrope_interleaved": true, "mrope_section": [24, 20, 20], "rope_type": "default" },
            "rope_theta": 5000000, "tie_word_embeddings": true, "use_cache": true, "vocab_size": 151936 },
          "vision_config": {
            "deepstack_visual_indexes": [5, 11, 17], "depth": 24, "hidden_act": "gelu_pytorch_tanh", "hidden_size": 1024,
            "in_channels": 3, "initializer_range": 0.02, "intermediate_size": 4096, "model_type": "qwen3_vl", "num_heads": 16,
            "num_position_embeddings": 2304, "out_hidden_size": 2048, "patch_size": 16, "spatial_merge_size": 2, "temporal_patch_size": 2 }
        }
        """;

    [Fact]
    public void Published_2B_config_is_read_with_every_Qwen3_field()
    {
        var config = QwenVlConfig.Parse(Qwen3Vl2B);
        Assert.Equal(QwenVlArchitecture.Qwen3Vl, config.Architecture);
        Assert.Equal(128, config.Text.HeadDim);
        Assert.True(config.Text.QkNorm);
        Assert.True(config.Text.MropeInterleaved);
        Assert.False(config.Text.AttentionBias);
        Assert.Equal([24, 20, 20], config.Text.MropeSection);
        Assert.Equal(5_000_000.0, config.Text.RopeTheta);
        Assert.True(config.Text.TieWordEmbeddings);
        Assert.Equal(16, config.Vision.PatchSize);
        Assert.Equal(2304, config.Vision.NumPositionEmbeddings);
        Assert.Equal([5, 11, 17], config.Vision.DeepstackVisualIndexes);
        Assert.Equal(2048, config.Vision.OutHiddenSize);
    }

    [Fact]
    public void The_2B_preset_writes_the_published_config_back()
    {
        var preset = ModelPresets.Find("qwen3-vl-2b");
        var reparsed = QwenVlConfig.Parse(preset.Config.ToJson().ToJsonString());
        var published = QwenVlConfig.Parse(Qwen3Vl2B);
        Assert.Equal(published.Text with { MropeSection = [] }, reparsed.Text with { MropeSection = [] });
        Assert.Equal(published.Text.MropeSection, reparsed.Text.MropeSection);
        Assert.Equal(published.Vision.DeepstackVisualIndexes, reparsed.Vision.DeepstackVisualIndexes);
        Assert.Equal(published.Vision with { DeepstackVisualIndexes = [], FullAttentionBlockIndexes = [] },
            reparsed.Vision with { DeepstackVisualIndexes = [], FullAttentionBlockIndexes = [] });
        Assert.Equal(published.ImageTokenId, reparsed.ImageTokenId);
    }

    [Theory]
    [InlineData("text_config", "num_experts", "8", "text_config.num_experts")]
    [InlineData("vision_config", "window_size", "112", "vision_config.window_size")]
    [InlineData(null, "mystery", "1", "mystery")]
    [InlineData("text_config", "attention_bias", "true", "text_config.attention_bias")]
    [InlineData("text_config", "hidden_act", "\"gelu\"", "text_config.hidden_act")]
    [InlineData("vision_config", "deepstack_visual_indexes", "[5, 11, 17, 20]", null)]
    public void A_field_the_converter_does_not_understand_is_refused_by_name(string? section, string key, string value, string? expectedKey)
    {
        var json = JsonNode.Parse(Qwen3Vl2B)!.AsObject();
        var target = section is null ? json : json[section]!.AsObject();
        target[key] = JsonNode.Parse(value);
        if (expectedKey is null)
        {
            // Four DeepStack blocks against a 4-layer decoder: the last layer would receive one, which llama.cpp aborts on.
            json["text_config"]!["num_hidden_layers"] = 4;
            expectedKey = "vision_config.deepstack_visual_indexes";
        }
        var error = Assert.Throws<HfFileFormatException>(() => QwenVlConfig.Parse(json.ToJsonString()));
        Assert.Equal(expectedKey, error.Key);
    }

    [Fact]
    public void Contiguous_mrope_is_refused()
    {
        var json = JsonNode.Parse(Qwen3Vl2B)!.AsObject();
        json["text_config"]!["rope_scaling"]!["mrope_interleaved"] = false;
        var error = Assert.Throws<HfFileFormatException>(() => QwenVlConfig.Parse(json.ToJsonString()));
        Assert.Equal("text_config.rope_scaling.mrope_interleaved", error.Key);
    }
}
