using DynamicCot.Inference.Generation;
using DynamicCot.Inference.Tests.Images;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Llama;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace DynamicCot.Inference.Tests.Generation;

/// <summary>At the default level a bulk job over many images logs nothing per image: one line per model load.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class EngineLogLevelTests(TinyModels models)
{
    [Fact]
    public async Task Native_per_image_lines_are_debug_and_a_model_load_is_one_information_line()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        var logs = new CapturingLoggerFactory();
        await using (var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions
        {
            ModelPath = files.LanguageModel, ProjectorPath = files.Projector, Threads = 2, MaxParallelSequences = 1,
            ContextPerSequence = 1024, ImageMaxTokens = 64,
        }, logs))
        {
            var image = await ImageInput.FromFileAsync(TestPaths.Data("flickr10", "images", "34694102243_3370955cf9_z.jpg"));
            var options = new SuggestionOptions { Thinking = ThinkingMode.Off, MaxTokens = 24 };
            logs.Entries.Clear();
            for (var i = 0; i < 3; i++)
                await engine.SuggestAsync("Spreetunnel in Berlin", image, options);

            var native = logs.Entries.Where(e => e.Category == NativeLog.Category).ToList();
            Assert.Contains(native, e => e.Level == LogLevel.Debug); // mtmd did speak, at Debug
            Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Information);
        }

        logs.Entries.Clear();
        await using (KeyphraseEngine.Start(new KeyphraseEngineOptions { ModelPath = files.LanguageModel, ProjectorPath = files.Projector, Threads = 1, MaxParallelSequences = 1, ContextPerSequence = 512 }, logs))
        {
            var information = logs.Entries.Where(e => e.Level == LogLevel.Information).ToList();
            var load = Assert.Single(information);
            Assert.Contains(Path.GetFileName(files.LanguageModel), load.Message);
            Assert.Contains("parallel requests", load.Message);
        }
    }
}
