using DynamicCot.Keyphrases.Suggestions;

namespace DynamicCot.Plugin.Tagging;

/// <summary>No keyphrase model is configured; the API answers 503 with this message.</summary>
public sealed class KeyphraseEngineNotConfiguredException()
    : Exception("No keyphrase model is configured: set DynamicCot:Engine:ModelPath (and MmprojPath for images), or register an IKeyphraseSuggester."), DynamicCot.Keyphrases.IUserFacingError;

/// <summary>
/// Stands in for the engine until a host registers one; every call fails with a message saying what to configure.
/// It never invents keyphrases.
/// </summary>
public sealed class UnconfiguredKeyphraseSuggester : IKeyphraseSuggester
{
    public Task<SuggestionResult> SuggestAsync(string text, ImageInput? image, SuggestionOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new KeyphraseEngineNotConfiguredException();
}
