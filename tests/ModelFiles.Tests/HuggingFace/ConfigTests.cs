using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;

namespace DynamicCot.ModelFiles.Tests.HuggingFace;

public sealed class ConfigTests
{
    // Shaped like the published Qwen2-VL-2B-Instruct config.json (flat layout).
    private const string Qwen2VlFlat = """
        {
          "architectures": ["Qwen2VLForConditionalGeneration"],
          "bos_token_id": 151643, "eos_token_id": 151645,
          "vision_start_token_id": 151652, "vision_end_token_id": 151653, "vision_token_id": 151654,
          "image_token_id": 151655, "video_token_id": 151656,
          "hidden_act": "silu", "hidden_size": 1536, "intermediate_size": 8960, "max_position_embeddings": 32768,
          "model_type": "qwen2_vl", "num_attention_heads": 12, "num_hidden_layers": 28, "num_key_value_heads": 2,
          "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
          "vision_config": { "depth": 32, "embed_dim": 1280, "mlp_ratio": 4, "num_heads": 16, "in_chans": 3,
            "hidden_size": 1536, "patch_size": 14, "spatial_merge_size": 2, "spatial_patch_size": 14, "temporal_patch_size": 2 },
          "rope_scaling": { "type": "mrope", "mrope_section": [16, 24, 24] },
          "vocab_size": 151936
        }
        """;

    // Newer transformers: text fields under text_config, rope under rope_parameters.
    private const string Qwen25VlNested = """
        {
          "architectures": ["Qwen2_5_VLForConditionalGeneration"], "model_type": "qwen2_5_vl",
          "image_token_id": 151655,
          "text_config": { "hidden_size": 2048, "intermediate_size": 11008, "num_hidden_layers": 36,
            "num_attention_heads": 16, "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "vocab_size": 151936,
            "max_position_embeddings": 128000, "tie_word_embeddings": true, "bos_token_id": 151643, "eos_token_id": [151645, 151643],
            "rope_parameters": { "rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [16, 24, 24] } },
          "vision_config": { "depth": 32, "hidden_act": "silu", "hidden_size": 1280, "intermediate_size": 3420,
            "num_heads": 16, "in_channels": 3, "out_hidden_size": 2048, "patch_size": 14, "spatial_merge_size": 2,
            "temporal_patch_size": 2, "window_size": 112, "fullatt_block_indexes": [7, 15, 23, 31], "tokens_per_second": 2 }
        }
        """;

    [Fact]
    public void ReadsQwen2VlFlatLayout()
    {
        var config = QwenVlConfig.Parse(Qwen2VlFlat);
        Assert.Equal(QwenVlArchitecture.Qwen2Vl, config.Architecture);
        Assert.Equal(1536, config.Text.HiddenSize);
        Assert.Equal(2, config.Text.NumKeyValueHeads);
        Assert.Equal(128, config.Text.HeadDim);
        Assert.Equal([16, 24, 24], config.Text.MropeSection);
        Assert.True(config.Text.TieWordEmbeddings);
        Assert.Equal(151645, config.Text.EosTokenId);
        Assert.Equal(1280, config.Vision.EmbedDim);
        Assert.Equal(5120, config.Vision.IntermediateSize);
        Assert.Equal(1536, config.Vision.OutHiddenSize);
        Assert.Equal("quick_gelu", config.Vision.HiddenAct);
        Assert.Equal(151655, config.ImageTokenId);
    }

    [Fact]
    public void ReadsQwen25VlNestedLayout()
    {
        var config = QwenVlConfig.Parse(Qwen25VlNested);
        Assert.Equal(QwenVlArchitecture.Qwen25Vl, config.Architecture);
        Assert.Equal(2048, config.Text.HiddenSize);
        Assert.Equal(1_000_000.0, config.Text.RopeTheta);
        Assert.Equal(151645, config.Text.EosTokenId);
        Assert.Equal(1280, config.Vision.EmbedDim);
        Assert.Equal(3420, config.Vision.IntermediateSize);
        Assert.Equal(112, config.Vision.WindowSize);
        Assert.Equal([7, 15, 23, 31], config.Vision.FullAttentionBlockIndexes);
        Assert.Equal("silu", config.Vision.HiddenAct);
    }

    [Theory]
    [InlineData(Qwen2VlFlat)]
    [InlineData(Qwen25VlNested)]
    public void SaveThenLoadGivesTheSameConfig(string json)
    {
        using var folder = TestPaths.NewTempFolder();
        var config = QwenVlConfig.Parse(json);
        config.Save(folder.File(QwenVlConfig.FileName));
        var reloaded = QwenVlConfig.Load(folder.Path);
        Assert.Equal(config.Text with { MropeSection = [] }, reloaded.Text with { MropeSection = [] });
        Assert.Equal(config.Text.MropeSection, reloaded.Text.MropeSection);
        Assert.Equal(config.Vision with { FullAttentionBlockIndexes = [] }, reloaded.Vision with { FullAttentionBlockIndexes = [] });
        Assert.Equal(config.Vision.FullAttentionBlockIndexes, reloaded.Vision.FullAttentionBlockIndexes);
        Assert.Equal(config.Architecture, reloaded.Architecture);
        Assert.Equal(config.ImageTokenId, reloaded.ImageTokenId);
    }

    [Fact]
    public void MissingKeyIsNamedWithTheFile()
    {
        using var folder = TestPaths.NewTempFolder();
        string path = folder.File(QwenVlConfig.FileName);
        File.WriteAllText(path, Qwen2VlFlat.Replace("\"num_hidden_layers\": 28,", ""));
        var error = Assert.Throws<HfFileFormatException>(() => QwenVlConfig.Load(path));
        Assert.Equal("num_hidden_layers", error.Key);
        Assert.Equal(path, error.FilePath);
        Assert.Contains(path, error.Message);

        var nested = Assert.Throws<HfFileFormatException>(() => QwenVlConfig.Parse(Qwen2VlFlat.Replace("\"depth\": 32,", "\"depth\": \"deep\",")));
        Assert.Equal("vision_config.depth", nested.Key);

        var mrope = Assert.Throws<HfFileFormatException>(() => QwenVlConfig.Parse(Qwen2VlFlat.Replace("[16, 24, 24]", "[16, 24]")));
        Assert.Equal("rope_scaling.mrope_section", mrope.Key);

        var notQwen = Assert.Throws<HfFileFormatException>(() => QwenVlConfig.Parse("""{"architectures": ["LlamaForCausalLM"], "model_type": "llama"}"""));
        Assert.Contains("not a checkpoint of a supported family", notQwen.Message);
        // The refusal names what is supported, from the one family list.
        Assert.Contains("supported: Qwen2-VL, Qwen2.5-VL or Qwen3-VL (Instruct or Thinking)", notQwen.Message);
        Assert.Contains("Qwen3VLForConditionalGeneration", notQwen.Message);
    }

    [Fact]
    public void PreprocessorConfigRoundTripsAndReadsBothPixelSpellings()
    {
        var old = PreprocessorConfig.Parse("""
            {"min_pixels": 3136, "max_pixels": 12845056, "patch_size": 14, "temporal_patch_size": 2, "merge_size": 2,
             "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
             "image_processor_type": "Qwen2VLImageProcessor", "processor_class": "Qwen2VLProcessor"}
            """);
        Assert.Equal(12845056, old.MaxPixels);
        Assert.Equal(0.4578275, old.ImageMean[1]);

        var newer = PreprocessorConfig.Parse("""{"size": {"shortest_edge": 1000, "longest_edge": 2000}, "patch_size": 16}""");
        Assert.Equal(1000, newer.MinPixels);
        Assert.Equal(2000, newer.MaxPixels);
        Assert.Equal(16, newer.PatchSize);

        using var folder = TestPaths.NewTempFolder();
        old.Save(folder.File(PreprocessorConfig.FileName));
        var reloaded = PreprocessorConfig.Load(folder.Path);
        Assert.Equal(old.ImageStd, reloaded.ImageStd);
        Assert.Equal(old with { ImageMean = [], ImageStd = [] }, reloaded with { ImageMean = [], ImageStd = [] });

        var bad = Assert.Throws<HfFileFormatException>(() => PreprocessorConfig.Parse("""{"image_mean": [0.5, 0.5]}"""));
        Assert.Equal("image_mean", bad.Key);
    }
}
