using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Api;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Feedback;
using DynamicCot.Plugin.Jobs;
using DynamicCot.Plugin.Storage;
using DynamicCot.Plugin.Tagging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Quartz;

namespace DynamicCot.Plugin;

/// <summary>Builds the engine from the validated engine settings; the host (Umbraco site or demo) provides it.</summary>
public delegate IKeyphraseSuggester KeyphraseSuggesterFactory(IServiceProvider services, EngineSettings engine);

/// <summary>
/// Registers everything the plugin needs except the CMS adapter (<see cref="Content.IContentRepository"/>,
/// <see cref="Content.IMediaBytesSource"/>), which the Umbraco composer or the demo host adds.
/// </summary>
public static class DynamicCotServiceCollectionExtensions
{
    /// <param name="contentRootPath">The site's root folder; the SQLite job store lives under it.</param>
    /// <param name="suggesterFactory">Creates the engine; null leaves any registered <see cref="IKeyphraseSuggester"/>,
    /// else one that answers "no model configured".</param>
    public static IServiceCollection AddDynamicCot(this IServiceCollection services, IConfiguration configuration, string contentRootPath,
        KeyphraseSuggesterFactory? suggesterFactory = null, bool startScheduler = true)
    // startScheduler: false lets a test or CLI start and stop the scheduler itself.
    {
        var section = configuration.GetSection(DynamicCotOptions.SectionName);
        services.AddOptions<DynamicCotOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DynamicCotOptions>, DynamicCotOptionsValidator>();

        // The store location is needed while registering Quartz, before the container exists: bind a copy now and
        // validate it the same way, so a bad store setting fails here with the same message as at start-up.
        var options = section.Get<DynamicCotOptions>() ?? new DynamicCotOptions();
        var validation = new DynamicCotOptionsValidator().Validate(null, options);
        if (validation.Failed) throw new OptionsValidationException(DynamicCotOptions.SectionName, typeof(DynamicCotOptions), validation.Failures);
        var store = ResolvedJobStore.From(options.JobStore, contentRootPath);
        services.AddSingleton(store);

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => new PluginDatabase(store.Provider, store.PluginConnectionString));
        services.AddSingleton<BulkJobStore>();
        services.AddSingleton<BulkJobService>();
        services.AddSingleton<FeedbackStore>();
        services.AddSingleton<SuggestionThrottle>();
        services.AddTransient<ContentTagger>();
        services.AddSingleton<IAutoTagQueue, AutoTagQueue>();
        services.AddTransient<BulkRetagJob>();
        services.AddTransient<AutoTagJob>();

        if (suggesterFactory is not null)
            services.AddSingleton<IKeyphraseSuggester>(sp => suggesterFactory(sp, sp.GetRequiredService<IOptions<DynamicCotOptions>>().Value.Engine));
        else
            services.TryAddSingleton<IKeyphraseSuggester, UnconfiguredKeyphraseSuggester>();

        services.AddSingleton<BulkJobResumer>();
        services.AddSingleton<SchedulerStoppingSignal>();
        services.AddQuartz(q =>
        {
            JobStoreSetup.Configure(q, store, options.JobStore);
            q.AddSchedulerListener<InterruptBulkJobsOnShutdown>();
        });
        if (startScheduler)
        {
            // Waiting lets a stopping job finish its in-flight items' writes; jobs see the stop through their token.
            services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
            services.AddHostedService(sp => sp.GetRequiredService<BulkJobResumer>());
            // After Quartz's hosted service, so it stops first: jobs hand over while the scheduler still accepts triggers.
            services.AddHostedService<HandOverBulkJobsOnStop>();
        }

        services.AddControllers().AddApplicationPart(typeof(SuggestController).Assembly);
        return services;
    }
}
