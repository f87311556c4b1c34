using DynamicCot.Inference.Generation;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Serving;

namespace DynamicCot.Plugin.DemoHost;

/// <summary>
/// THE one place the demo host chooses its keyphrase engine: the configured model (<c>DynamicCot:Engine:ModelPath</c>)
/// when there is one, else the demo model that <see cref="DemoModelBootstrap"/> prepares on first run; the
/// <see cref="StandInSuggester"/> only when <c>Demo:StandInEngine:Enabled</c> asks for it (tests of several processes).
/// </summary>
public static class DemoSuggesterRegistration
{
    public static IKeyphraseSuggester Create(IServiceProvider services, DynamicCotOptions settings)
    {
        var standIn = services.GetRequiredService<IConfiguration>().GetSection(StandInEngineOptions.SectionName).Get<StandInEngineOptions>();
        if (standIn is { Enabled: true })
            return new StandInSuggester(standIn);
        if (settings.Engine.IsConfigured)
            return LlamaSuggesterFactory.Create(services, settings);
        var bootstrap = services.GetRequiredService<DemoModelBootstrap>();
        var loggers = services.GetService<ILoggerFactory>();
        return new DemoSuggester(bootstrap, model => KeyphraseEngine.Start(
            LlamaSuggesterFactory.ToEngineOptions(settings, model.LanguageModel, model.Projector), loggers));
    }
}

/// <summary>Starts preparing the demo model as the host starts (instead of on the first suggestion).</summary>
public sealed class DemoModelWarmUp(IKeyphraseSuggester suggester, DemoModelBootstrap bootstrap) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (suggester is DemoSuggester)
            _ = bootstrap.EnsureStarted();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
