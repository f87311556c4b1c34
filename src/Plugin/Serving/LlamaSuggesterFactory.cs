using DynamicCot.Inference.Generation;
using DynamicCot.Inference.Images;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Tagging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using DynamicCot.Llama;

namespace DynamicCot.Plugin.Serving;

/// <summary>
/// Builds the llama.cpp keyphrase engine from the validated <c>DynamicCot</c> settings. Without a model path the plugin
/// answers suggestions with a clear "no model configured" error instead.
/// </summary>
public static class LlamaSuggesterFactory
{
    public static IKeyphraseSuggester Create(IServiceProvider services, DynamicCotOptions settings)
    {
        if (!settings.Engine.IsConfigured)
            return new UnconfiguredKeyphraseSuggester();
        var loggers = services.GetService<ILoggerFactory>();
        return KeyphraseEngine.Start(ToEngineOptions(settings), loggers);
    }

    /// <summary>The engine options for the configured model files.</summary>
    public static KeyphraseEngineOptions ToEngineOptions(DynamicCotOptions settings) =>
        ToEngineOptions(settings, settings.Engine.ModelPath!, settings.Engine.MmprojPath);

    /// <summary>
    /// THE mapping of plugin settings onto engine options (model files given, e.g. a demo model prepared on first run).
    /// Its ranges are the engine's own (<see cref="KeyphraseEngineOptions.MaxParallelSequencesLimit"/>,
    /// <see cref="ImageDecoderOptions.MaxInputBytesLimit"/>), checked at start-up by <see cref="DynamicCotOptionsValidator"/>.
    /// </summary>
    public static KeyphraseEngineOptions ToEngineOptions(DynamicCotOptions settings, string modelPath, string? projectorPath)
    {
        var engine = settings.Engine;
        return new KeyphraseEngineOptions
        {
            ModelPath = modelPath,
            ProjectorPath = string.IsNullOrWhiteSpace(projectorPath) ? null : projectorPath,
            GpuLayers = engine.GpuLayers,
            Threads = LlamaThreads.Resolve(engine.Threads),
            MaxParallelSequences = engine.ParallelRequests,
            ImageMaxTokens = engine.ImageMaxTokens,
            ImageDecoding = new ImageDecoderOptions { MaxInputBytes = settings.MaxImageBytes },
        };
    }
}
