using DynamicCot.Inference.Generation;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Tagging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using DynamicCot.Llama;

namespace DynamicCot.Plugin.Serving;

/// <summary>
/// Builds the llama.cpp keyphrase engine from the validated <c>DynamicCot:Engine</c> settings (model and mmproj paths,
/// GPU layers, threads, parallel sequences). Without a model path the plugin answers suggestions with a clear
/// "no model configured" error instead.
/// </summary>
public static class LlamaSuggesterFactory
{
    public static IKeyphraseSuggester Create(IServiceProvider services, EngineSettings settings)
    {
        if (!settings.IsConfigured)
            return new UnconfiguredKeyphraseSuggester();
        var loggers = services.GetService<ILoggerFactory>();
        return KeyphraseEngine.Start(ToEngineOptions(settings), loggers);
    }

    public static KeyphraseEngineOptions ToEngineOptions(EngineSettings settings) => new()
    {
        ModelPath = settings.ModelPath!,
        ProjectorPath = string.IsNullOrWhiteSpace(settings.MmprojPath) ? null : settings.MmprojPath,
        GpuLayers = settings.GpuLayers,
        Threads = LlamaThreads.Resolve(settings.Threads),
        MaxParallelSequences = Math.Max(1, settings.ParallelRequests),
        ImageMaxTokens = settings.ImageMaxTokens,
    };
}
