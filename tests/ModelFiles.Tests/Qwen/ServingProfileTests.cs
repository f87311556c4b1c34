using DynamicCot.Gguf;
using DynamicCot.Inference.Generation;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.ModelFiles.Qwen;
using DynamicCot.ModelFiles.Quantization;
using DynamicCot.Tests.Shared;

namespace DynamicCot.ModelFiles.Tests.Qwen;

/// <summary>The image budget a model was trained with travels checkpoint → convert → quantize → the engine's default.</summary>
public sealed class ServingProfileTests : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-profile");

    [Fact]
    public void The_recorded_budget_survives_convert_and_llama_cpp_quantization_and_is_what_the_engine_serves_with()
    {
        var checkpoint = _folder.File("hf");
        TinyQwenVlFactory.Create(checkpoint, new TinyModelOptions { Seed = 3 }, TinyCorpus.Read(TinyCorpus.DefaultFiles()));
        new ServingProfile(32, ServingProfile.CurrentPromptFormat).WriteTo(checkpoint);
        var lm = _folder.File("lm.gguf");
        var mmproj = _folder.File("mmproj.gguf");
        QwenVlGgufConverter.Convert(checkpoint, lm, mmproj);
        var q8 = _folder.File("lm-q8.gguf");
        GgufQuantizer.Quantize(lm, q8, QuantizationPreset.Q8_0, threads: 2);

        using (var file = GgufFile.Open(q8))
            Assert.Equal(32, file.Metadata.GetInt32(ServingProfile.ImageMaxTokensKey));
        Assert.Equal(new ServingProfile(32, ServingProfile.CurrentPromptFormat), RecordedServingProfile.Read(q8));

        using (var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions { ModelPath = q8, ProjectorPath = mmproj, Threads = 2, ContextPerSequence = 512 }))
            Assert.Equal(32, engine.ImageMaxTokens);
        using (var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions { ModelPath = q8, ProjectorPath = mmproj, Threads = 2, ContextPerSequence = 512, ImageMaxTokens = 64 }))
            Assert.Equal(64, engine.ImageMaxTokens);
    }

    [Fact]
    public void A_model_without_a_profile_serves_at_the_projector_default_and_a_differing_request_is_warned_about()
    {
        var checkpoint = _folder.File("plain");
        TinyQwenVlFactory.Create(checkpoint, new TinyModelOptions { Seed = 4 }, TinyCorpus.Read(TinyCorpus.DefaultFiles()));
        var lm = _folder.File("plain.gguf");
        QwenVlGgufConverter.Convert(checkpoint, lm, _folder.File("plain-mmproj.gguf"));
        Assert.Null(RecordedServingProfile.Read(lm));
        Assert.Equal(-1, ImageTokenBudget.Resolve(null, null, "plain.gguf", _ => Assert.Fail("no warning expected")));

        var warnings = new List<string>();
        var recorded = new ServingProfile(32, 1);
        Assert.Equal(32, ImageTokenBudget.Resolve(null, recorded, "m.gguf", warnings.Add));
        Assert.Equal(32, ImageTokenBudget.Resolve(32, recorded, "m.gguf", warnings.Add));
        Assert.Empty(warnings);
        Assert.Equal(256, ImageTokenBudget.Resolve(256, recorded, "m.gguf", warnings.Add));
        Assert.Contains("trained with 32 image tokens; serving with 256", Assert.Single(warnings));
    }

    [Fact]
    public void A_broken_profile_file_is_named()
    {
        var folder = _folder.File("broken");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ServingProfile.FileName), "{\"image_max_tokens\": 0, \"prompt_format\": 1}");
        var error = Assert.Throws<InvalidDataException>(() => ServingProfile.ReadFrom(folder));
        Assert.Contains(ServingProfile.FileName, error.Message);
        Assert.Contains("image_max_tokens 0", error.Message);
    }

    public void Dispose() => _folder.Dispose();
}
