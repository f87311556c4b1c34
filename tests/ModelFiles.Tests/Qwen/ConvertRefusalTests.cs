using System.Text.Json.Nodes;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using DynamicCot.Tests.Shared;

namespace DynamicCot.ModelFiles.Tests.Qwen;

/// <summary>
/// A checkpoint that does not hold together is refused before anything is written, with the offending file named:
/// shards that disagree with their index, a missing shard, a tokenizer larger than the model's vocabulary, a config of
/// another family.
/// </summary>
public sealed class ConvertRefusalTests : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-refusal");
    private readonly string _checkpoint;

    public ConvertRefusalTests()
    {
        _checkpoint = Path.Combine(_folder.Path, "hf");
        TinyQwenVlFactory.Create(_checkpoint, new TinyModelOptions { HiddenSize = 64, Layers = 1, VisionDepth = 1, VisionEmbedSize = 32, TokenizerVocabSize = 300, MaxShardBytes = 200_000 },
            TinyCorpus.Read(TinyCorpus.DefaultFiles()));
        Assert.True(File.Exists(Path.Combine(_checkpoint, SafetensorsCheckpoint.IndexFileName)));
    }

    [Fact]
    public void Converts_when_nothing_is_wrong()
    {
        var result = Convert();
        Assert.True(File.Exists(result.LanguageModelPath) && File.Exists(result.ProjectorPath));
    }

    [Fact]
    public void Shard_that_disagrees_with_the_index_is_refused()
    {
        var indexPath = Path.Combine(_checkpoint, SafetensorsCheckpoint.IndexFileName);
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!;
        var map = index["weight_map"]!.AsObject();
        var shards = map.Select(pair => pair.Value!.GetValue<string>()).Distinct().Order().ToList();
        Assert.True(shards.Count >= 2);
        var moved = map.First(pair => pair.Value!.GetValue<string>() == shards[0]).Key;
        map[moved] = shards[1];
        File.WriteAllText(indexPath, index.ToJsonString());

        var error = Assert.Throws<SafetensorsFormatException>(() => Convert());
        Assert.Contains(moved, error.Message);
        Assert.Equal(indexPath, error.FilePath);
        AssertNothingWritten();
    }

    [Fact]
    public void Missing_shard_is_refused()
    {
        var shard = Directory.GetFiles(_checkpoint, "model-*.safetensors").Order().Last();
        File.Delete(shard);
        var error = Assert.Throws<SafetensorsFormatException>(() => Convert());
        Assert.Contains(Path.GetFileName(shard), error.Message);
        AssertNothingWritten();
    }

    [Fact]
    public void Tokenizer_larger_than_the_vocabulary_in_config_is_refused()
    {
        var configPath = Path.Combine(_checkpoint, QwenVlConfig.FileName);
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["vocab_size"] = 256;
        File.WriteAllText(configPath, config.ToJsonString());

        var error = Assert.Throws<InvalidDataException>(() => Convert());
        Assert.Contains(Path.Combine(_checkpoint, TokenizerJson.FileName), error.Message);
        Assert.Contains(configPath, error.Message);
        AssertNothingWritten();
    }

    [Fact]
    public void Config_of_another_family_is_refused()
    {
        var configPath = Path.Combine(_checkpoint, QwenVlConfig.FileName);
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["architectures"] = new JsonArray("Qwen2ForCausalLM");
        config["model_type"] = "qwen2";
        File.WriteAllText(configPath, config.ToJsonString());

        var error = Assert.Throws<HfFileFormatException>(() => Convert());
        Assert.Equal(configPath, error.FilePath);
        Assert.Contains("Qwen2ForCausalLM", error.Message);
        AssertNothingWritten();
    }

    private ConversionResult Convert() => QwenVlGgufConverter.Convert(_checkpoint, _folder.File("lm.gguf"), _folder.File("mmproj.gguf"));

    private void AssertNothingWritten() =>
        Assert.DoesNotContain(Directory.GetFiles(_folder.Path), file => file.EndsWith(".gguf", StringComparison.Ordinal) || file.Contains(".tmp", StringComparison.Ordinal));

    public void Dispose() => _folder.Dispose();
}
