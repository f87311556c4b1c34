using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Tagging;

namespace DynamicCot.Plugin.DemoHost;

/// <summary>
/// THE one place the demo host chooses its keyphrase engine. Replace the body of <see cref="Create"/> with the real
/// llama.cpp engine built from <paramref name="engine"/> (model + mmproj paths, GPU layers, threads, batch size).
/// Until then the demo answers every suggestion with a clear "no model configured" error; it never makes tags up.
/// </summary>
public static class DemoSuggesterRegistration
{
    public static IKeyphraseSuggester Create(IServiceProvider services, EngineSettings engine)
    {
        if (!engine.IsConfigured) return new UnconfiguredKeyphraseSuggester();
        throw new NotSupportedException(
            $"A model is configured ({engine.ModelPath}) but this build of the demo host has no engine wired in yet: " +
            "see DemoSuggesterRegistration.Create.");
    }
}
