using DynamicCot.Inference.Generation;
using DynamicCot.Keyphrases.Suggestions;

namespace DynamicCot.Plugin.DemoHost;

/// <summary>
/// The demo's engine when no real model is configured: answers "being prepared" (503 with Retry-After) until
/// <see cref="DemoModelBootstrap"/> has the model, then serves it with the real llama.cpp engine.
/// </summary>
public sealed class DemoSuggester(DemoModelBootstrap bootstrap, Func<DemoModel, KeyphraseEngine> start) : IKeyphraseSuggester, IAsyncDisposable
{
    private readonly Lazy<Task<KeyphraseEngine>> _engine = new(async () => start(await bootstrap.EnsureStarted()));

    public async Task<SuggestionResult> SuggestAsync(string text, ImageInput? image, SuggestionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var preparing = bootstrap.EnsureStarted();
        if (preparing.IsFaulted)
            throw new SuggesterUnavailableException($"The demo model could not be prepared ({preparing.Exception!.GetBaseException().Message}); see the log.", TimeSpan.FromMinutes(5));
        if (!preparing.IsCompletedSuccessfully)
            throw new SuggesterWarmingUpException($"The demo model is being prepared on this first start ({bootstrap.Stage}). Try again in a minute.");
        var engine = await _engine.Value;
        return await engine.SuggestAsync(text, image, options, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_engine.IsValueCreated && _engine.Value.IsCompletedSuccessfully)
            await (await _engine.Value).DisposeAsync();
    }
}
