using System.Text.Json;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Quantization;
using DynamicCot.ModelFiles.Qwen;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Cli;

[Collection(TinyModelCollection.Name)]
public sealed class SuggestCommandTests(TinyModels models)
{
    [Fact]
    public void Suggest_prints_keyphrases_as_json_for_a_post_with_a_photo()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        var photo = Directory.GetFiles(TestPaths.Data("vmu16_small_events", "images"), "*.jpg").Order(StringComparer.Ordinal).First();
        var result = CliProcess.Finetune.Run("suggest", "--model", files.LanguageModel, "--mmproj", files.Projector,
            "--text", "Streets flooded after the storm #flood", "--image", photo, "--think", "off", "--json", "--threads", "2");
        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        var keyphrases = json.RootElement.GetProperty("keyphrases").EnumerateArray().ToList();
        Assert.NotEmpty(keyphrases);
        Assert.All(keyphrases, k => Assert.False(string.IsNullOrWhiteSpace(k.GetProperty("text").GetString())));
        Assert.True(json.RootElement.GetProperty("promptTokens").GetInt32() > 20);
    }

    [Fact]
    public void Qwen3Vl_quantized_to_q4_k_m_suggests_json_for_a_post_with_a_photo()
    {
        var files = models.Get(QwenVlArchitecture.Qwen3Vl, GgufOutputType.F16);
        using var folder = TestPaths.NewTempFolder("qwen3vl-suggest");
        var quantized = folder.File("qwen3vl-q4_k_m.gguf");
        GgufQuantizer.Quantize(files.LanguageModel, quantized, QuantizationPreset.Q4_K_M, threads: 2);

        var photo = Directory.GetFiles(TestPaths.Data("vmu16_small_events", "images"), "*.jpg").Order(StringComparer.Ordinal).Skip(1).First();
        var result = CliProcess.Finetune.Run("suggest", "--model", quantized, "--mmproj", files.Projector,
            "--text", "Streets flooded after the storm #flood", "--image", photo, "--think", "off", "--json", "--threads", "2");
        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        // Random weights write whatever the answer grammar allows (often words the normaliser then drops), so the check is
        // the served shape: an answer bounded by the grammar, and keyphrases that are clean text when there are any.
        var raw = json.RootElement.GetProperty("raw").GetString()!;
        Assert.StartsWith("<answer>", raw);
        Assert.EndsWith("</answer>", raw);
        var keyphrases = json.RootElement.GetProperty("keyphrases").EnumerateArray().ToList();
        Assert.All(keyphrases, k => Assert.False(string.IsNullOrWhiteSpace(k.GetProperty("text").GetString())));
        // The image's tokens are in the prompt: far more than the text alone.
        Assert.True(json.RootElement.GetProperty("promptTokens").GetInt32() > 40);
    }

    [Fact]
    public void Bad_input_exits_non_zero_with_the_error_on_stderr()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        using var folder = TestPaths.NewTempFolder();
        var notAnImage = folder.File("photo.jpg");
        File.WriteAllText(notAnImage, "hello");

        var badImage = CliProcess.Finetune.Run("suggest", "--model", files.LanguageModel, "--mmproj", files.Projector, "--text", "hi", "--image", notAnImage, "--json");
        Assert.Equal(1, badImage.ExitCode);
        Assert.Contains("photo.jpg", badImage.StdErr);
        Assert.Empty(badImage.StdOut.Trim());

        var missingModel = CliProcess.Finetune.Run("suggest", "--model", folder.File("missing.gguf"), "--text", "hi");
        Assert.Equal(1, missingModel.ExitCode);
        Assert.Contains("missing.gguf", missingModel.StdErr);

        var badThink = CliProcess.Finetune.Run("suggest", "--model", files.LanguageModel, "--text", "hi", "--think", "sometimes");
        Assert.Equal(1, badThink.ExitCode);
        Assert.Contains("--think", badThink.StdErr);

        var imageWithoutProjector = CliProcess.Finetune.Run("suggest", "--model", files.LanguageModel, "--text", "hi", "--image", notAnImage);
        Assert.Equal(1, imageWithoutProjector.ExitCode);
        Assert.Contains("--mmproj", imageWithoutProjector.StdErr);
    }
}
