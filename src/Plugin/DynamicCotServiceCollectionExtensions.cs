using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Api;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Feedback;
using DynamicCot.Plugin.Jobs;
using DynamicCot.Plugin.Storage;
using DynamicCot.Plugin.Tagging;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin;

/// <summary>Builds the engine from the validated engine settings; the host (Umbraco site or demo) provides it.</summary>
public delegate IKeyphraseSuggester KeyphraseSuggesterFactory(IServiceProvider services, DynamicCotOptions settings);

/// <summary>
/// Registers everything the plugin needs except the CMS adapter (<see cref="Content.IContentRepository"/>,
/// <see cref="Content.IMediaBytesSource"/>, <see cref="Api.IContentPermissions"/>), which the Umbraco composer or the
/// demo host adds.
/// </summary>
public static class DynamicCotServiceCollectionExtensions
{
    /// <param name="contentRootPath">The site's root folder; the SQLite job store lives under it.</param>
    /// <param name="suggesterFactory">Creates the engine; null leaves any registered <see cref="IKeyphraseSuggester"/>,
    /// else one that answers "no model configured".</param>
    /// <param name="runJobs">False registers no Hangfire server on this host: it enqueues jobs that other processes (or a
    /// test's own <see cref="BackgroundJobServer"/> on the plugin's storage) run.</param>
    public static IServiceCollection AddDynamicCot(this IServiceCollection services, IConfiguration configuration, string contentRootPath,
        KeyphraseSuggesterFactory? suggesterFactory = null, bool runJobs = true)
    {
        var section = configuration.GetSection(DynamicCotOptions.SectionName);
        services.AddOptions<DynamicCotOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DynamicCotOptions>, DynamicCotOptionsValidator>();

        // The store location is needed while registering Hangfire, before the container exists: bind a copy now and
        // validate it the same way, so a bad store setting fails here with the same message as at start-up.
        var options = section.Get<DynamicCotOptions>() ?? new DynamicCotOptions();
        var validation = new DynamicCotOptionsValidator().Validate(null, options);
        if (validation.Failed) throw new OptionsValidationException(DynamicCotOptions.SectionName, typeof(DynamicCotOptions), validation.Failures);
        var store = ResolvedJobStore.From(options.JobStore, contentRootPath);
        services.AddSingleton(store);
        services.AddSingleton(NodeIdentity.From(options.JobStore));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => new PluginDatabase(store.Provider, store.PluginConnectionString));
        services.AddSingleton<BulkJobStore>();
        services.AddSingleton<BulkJobService>();
        services.AddSingleton<FeedbackStore>();
        services.AddTransient<Api.ApiActions>();
        services.AddSingleton<RejectedTagStore>();
        services.AddSingleton<AutoTagLedger>();
        services.AddSingleton<SuggestionThrottle>();
        services.AddTransient<ContentTagger>();
        services.AddSingleton<IAutoTagQueue, AutoTagQueue>();
        services.AddTransient<BulkRetagJob>();
        services.AddTransient<AutoTagJob>();

        if (suggesterFactory is not null)
        {
            services.AddSingleton<IKeyphraseSuggester>(sp =>
            {
                var settings = sp.GetRequiredService<IOptions<DynamicCotOptions>>().Value;
                var engine = settings.Engine;
                if (!engine.IsConfigured) return suggesterFactory(sp, settings);
                return new Serving.BackgroundLoadedSuggester(() =>
                {
                    if (DynamicCotOptionsValidator.MissingModelFiles(engine) is { Count: > 0 } missing)
                        throw new FileNotFoundException(string.Join(" ", missing));
                    return suggesterFactory(sp, settings);
                }, engine.ModelPath!, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<Serving.BackgroundLoadedSuggester>());
            });
            // Resolving the engine at start-up begins loading the model in the background; the start does not wait.
            services.AddHostedService(sp => new ModelWarmup(sp.GetRequiredService<IKeyphraseSuggester>()));
        }
        else
            services.TryAddSingleton<IKeyphraseSuggester, UnconfiguredKeyphraseSuggester>();

        AddHangfire(services, store, options.JobStore, runJobs);

        services.AddAntiforgery();
        services.AddControllers().AddApplicationPart(typeof(SuggestController).Assembly);
        return services;
    }

    /// <summary>
    /// The plugin's own Hangfire, beside any the site runs: its storage, client and server are registered under
    /// <see cref="PluginHangfire.Key"/> and built from explicit objects, never through Hangfire's process-wide
    /// <c>GlobalConfiguration</c> or the site's <see cref="JobStorage"/>/<see cref="IBackgroundJobClient"/>, so a site
    /// with its own Hangfire (Cultiv.Hangfire, or its own <c>AddHangfire</c>) keeps its storage, its jobs and its settings.
    /// </summary>
    private static void AddHangfire(IServiceCollection services, ResolvedJobStore store, JobStoreOptions options, bool runJobs)
    {
        services.AddKeyedSingleton<JobStorage>(PluginHangfire.Key, (sp, _) =>
            JobStorageFactory.Create(store, options, sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(JobStorageFactory))));
        services.AddKeyedSingleton<IBackgroundJobClient>(PluginHangfire.Key, (sp, key) => new BackgroundJobClient(sp.GetRequiredKeyedService<JobStorage>(key)));
        // Hangfire's dashboard middleware checks that this is registered; reading the current configuration changes nothing.
        services.TryAddSingleton<IGlobalConfiguration>(_ => GlobalConfiguration.Configuration);
        services.TryAddSingleton(_ => Hangfire.Dashboard.DashboardRoutes.Routes);
        services.AddSingleton<PluginHealth>();
        if (!runJobs) return;
        services.AddHostedService(sp => new PluginJobServer(
            sp.GetRequiredKeyedService<JobStorage>(PluginHangfire.Key), sp.GetRequiredService<ResolvedJobStore>(), sp.GetRequiredService<NodeIdentity>(), options,
            sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<PluginHealth>(),
            new BulkJobFailureFilter(sp.GetRequiredService<BulkJobStore>(), sp.GetRequiredService<ILogger<BulkJobFailureFilter>>()), sp.GetRequiredService<ILoggerFactory>()));
    }

    /// <summary>This node's Hangfire server: the plugin's queue only, and timings that let a cluster notice a dead node within a minute.</summary>
    public static void ConfigureServer(BackgroundJobServerOptions server, NodeIdentity node, JobStoreOptions options)
    {
        server.ServerName = node.Name;
        server.WorkerCount = options.WorkerThreads;
        server.Queues = [JobQueues.Name];
        server.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        server.HeartbeatInterval = TimeSpan.FromSeconds(5);
        server.ServerCheckInterval = TimeSpan.FromSeconds(15);
        server.ServerTimeout = TimeSpan.FromSeconds(30);
        server.CancellationCheckInterval = TimeSpan.FromSeconds(1);
        // A stopping node's jobs see their token fire at once; they give their item back and Hangfire requeues them.
        server.StopTimeout = TimeSpan.Zero;
        server.ShutdownTimeout = TimeSpan.FromSeconds(30);
    }
}

/// <summary>Resolves the engine when the host starts, so a background model load begins then, not at the first request.</summary>
internal sealed class ModelWarmup(IKeyphraseSuggester engine) : Microsoft.Extensions.Hosting.IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(engine);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
