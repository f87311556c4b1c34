using DynamicCot.Inference.Generation;
using DynamicCot.Inference.Images;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.DemoHost;
using DynamicCot.Plugin.Serving;
using DynamicCot.Tests.Shared;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.Tests;

/// <summary>Plugin settings reach the engine through one mapping whose ranges are the engine's own.</summary>
public sealed class EngineSettingsTests
{
    private static void Build(string stateFolder, params string[] settings) => DemoHostApp.Build(
    [
        "--urls=http://127.0.0.1:0",
        $"--Demo:DataFolder={TestPaths.SharedData}",
        $"--Demo:StateFolder={stateFolder}",
        $"--DynamicCot:JobStore:SqliteFolder={Path.Combine(stateFolder, "jobs")}",
        "--Demo:StandInEngine:Enabled=true",
        .. settings,
    ]).DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Fact]
    public void ParallelRequests_above_the_engines_limit_is_refused_at_start_up_with_the_reason()
    {
        using var state = TestPaths.NewTempFolder("dynamiccot-settings");
        var error = Assert.Throws<OptionsValidationException>(() => Build(state.Path, $"--DynamicCot:Engine:ParallelRequests={KeyphraseEngineOptions.MaxParallelSequencesLimit + 1}"));
        Assert.Contains($"DynamicCot:Engine:ParallelRequests must be between 1 and {KeyphraseEngineOptions.MaxParallelSequencesLimit}", error.Message);
        Assert.Contains("got 65", error.Message);
        Build(state.Path, $"--DynamicCot:Engine:ParallelRequests={KeyphraseEngineOptions.MaxParallelSequencesLimit}");
    }

    [Fact]
    public void The_mapping_passes_every_engine_setting_and_the_image_limit()
    {
        var settings = new DynamicCotOptions
        {
            MaxImageBytes = 40L * 1024 * 1024,
            Engine = new EngineSettings { ModelPath = "m.gguf", MmprojPath = " ", GpuLayers = 3, Threads = 5, ParallelRequests = 64, ImageMaxTokens = 128 },
        };
        var engine = LlamaSuggesterFactory.ToEngineOptions(settings);
        Assert.Equal(("m.gguf", (string?)null, 3, 5, 64, (int?)128, 40L * 1024 * 1024),
            (engine.ModelPath, engine.ProjectorPath, engine.GpuLayers, engine.Threads, engine.MaxParallelSequences, engine.ImageMaxTokens, engine.ImageDecoding.MaxInputBytes));
    }

    [Fact]
    public void Plugin_and_engine_defaults_agree()
    {
        var plugin = new DynamicCotOptions().ToSuggestionOptions();
        var engine = new SuggestionOptions();
        Assert.Equal((engine.Thinking, engine.MaxKeyphrases), (plugin.Thinking, plugin.MaxKeyphrases));
        Assert.Equal(new ImageDecoderOptions().MaxInputBytes, new DynamicCotOptions().MaxImageBytes);
    }
}
