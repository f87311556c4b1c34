using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;

namespace DynamicCot.ModelFiles.Tests.Qwen;

/// <summary>The presets reproduce the published checkpoints: their parameter counts, configs and tokenizers.</summary>
public sealed class ModelPresetTests
{
    [Theory]
    // Model sizes as the Hugging Face model pages give them (2.21B, 3.75B, 8.29B parameters).
    [InlineData("qwen2-vl-2b", 2.21)]
    [InlineData("qwen2.5-vl-3b", 3.75)]
    [InlineData("qwen2.5-vl-7b", 8.29)]
    // Qwen3-VL-2B-Instruct and -4B-Instruct: 2.13B and 4.44B (tied embeddings, DeepStack mergers included).
    [InlineData("qwen3-vl-2b", 2.13)]
    [InlineData("qwen3-vl-4b", 4.44)]
    public void Preset_has_the_published_parameter_count(string name, double billions)
    {
        var preset = ModelPresets.Find(name);
        var count = TinyWeights.Specs(preset.Config).Sum(spec => spec.Shape.Aggregate(1L, (a, b) => a * b));
        Assert.Equal(billions, Math.Round(count / 1e9, 2));
    }

    [Fact]
    public void Preset_config_reads_back_as_written()
    {
        foreach (var preset in ModelPresets.All)
        {
            var parsed = QwenVlConfig.Parse(preset.Config.ToJson().ToJsonString(), preset.Name);
            Assert.Equal(preset.Config.Architecture, parsed.Architecture);
            Assert.Equal(preset.Config.Text with { MropeSection = [] }, parsed.Text with { MropeSection = [] });
            Assert.Equal(preset.Config.Text.MropeSection, parsed.Text.MropeSection);
            Assert.Equal(preset.Config.Vision.IntermediateSize, parsed.Vision.IntermediateSize);
            Assert.Equal(preset.Config.Vision.FullAttentionBlockIndexes, parsed.Vision.FullAttentionBlockIndexes);
        }
    }

    [Fact]
    public void Unknown_preset_lists_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => ModelPresets.Find("qwen2-vl-72b"));
        Assert.Contains("qwen2.5-vl-7b", error.Message);
    }

    [Theory]
    [InlineData(QwenVlArchitecture.Qwen2Vl, 151_657, "<|video_pad|>")]
    [InlineData(QwenVlArchitecture.Qwen25Vl, 151_665, "<|file_sep|>")]
    public void Imported_tokenizer_is_cut_to_the_family_and_keeps_its_chat_template(QwenVlArchitecture family, int tokens, string last)
    {
        var tokenizer = FamilyTokenizer.Import(RealTokenizerModel.Folder, ModelPresets.LastAddedTokenId(family));
        var table = tokenizer.GetTokenTable();
        Assert.Equal(tokens, table.Count);
        Assert.Equal(last, table[^1].Text);
        Assert.Null(tokenizer.TokenId("<think>") is { } id && id >= 151_643 ? id : null);
        Assert.DoesNotContain(tokenizer.Config.AddedTokensDecoder.Keys, id => id >= tokens);
        Assert.Equal(TokenizerConfig.Load(RealTokenizerModel.Folder).ChatTemplate, tokenizer.ChatTemplate);
        Assert.Equal(151_643, tokenizer.Model.Vocab.Count);
        Assert.Equal(151_387, tokenizer.Model.Merges.Count);
    }

    [Fact]
    public void Imported_qwen3_tokenizer_keeps_the_reasoning_tokens_as_plain_added_tokens()
    {
        var tokenizer = FamilyTokenizer.Import(RealTokenizerModel.Folder, ModelPresets.LastAddedTokenId(QwenVlArchitecture.Qwen3Vl));
        var table = tokenizer.GetTokenTable();
        Assert.Equal(151_669, table.Count);
        Assert.Equal("</think>", table[^1].Text);
        Assert.Equal(151_667, tokenizer.TokenId("<think>"));
        Assert.False(tokenizer.Model.AddedTokens.Single(t => t.Content == "<think>").Special);
    }
}
