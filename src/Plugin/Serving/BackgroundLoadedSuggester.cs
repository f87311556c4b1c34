using DynamicCot.Keyphrases.Suggestions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DynamicCot.Plugin.Serving;

/// <summary>The model could not be loaded; the message says why, and <see cref="SuggesterUnavailableException.RetryAfter"/> when it is tried again.</summary>
public sealed class KeyphraseModelUnavailableException(string reason, TimeSpan retryAfter)
    : SuggesterUnavailableException($"The keyphrase model is unavailable: {reason} It is tried again in {Math.Ceiling(retryAfter.TotalSeconds)} s.", retryAfter)
{
    public string Reason { get; } = reason;
}

/// <summary>
/// Loads the model in the background, so neither the site's start nor its first request waits for it, and a model
/// that is missing or does not load never stops the site: until it is ready, suggestions answer "warming up"
/// (<see cref="SuggesterWarmingUpException"/>, 503 with Retry-After); after a failed load they answer with the reason
/// (<see cref="KeyphraseModelUnavailableException"/>, 503), and the load is tried again after a back-off that doubles
/// from <see cref="FirstRetry"/> up to <see cref="LongestRetry"/> (a model file copied in later is picked up).
/// </summary>
public sealed class BackgroundLoadedSuggester : IKeyphraseSuggester, IHostedService, IAsyncDisposable
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan LongestRetry = TimeSpan.FromMinutes(10);

    private readonly Func<IKeyphraseSuggester> _load;
    private readonly string _what;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private Task<IKeyphraseSuggester>? _loading;
    private IKeyphraseSuggester? _ready;
    private string? _failure;
    private DateTimeOffset _retryAt;
    private TimeSpan _backOff = FirstRetry;
    private bool _disposed;

    /// <param name="load">Builds the engine (slow: reads the model); a throw is a failed load.</param>
    /// <param name="what">The model, as the messages name it (its path).</param>
    public BackgroundLoadedSuggester(Func<IKeyphraseSuggester> load, string what, TimeProvider clock, ILogger logger)
    {
        _load = load;
        _what = what;
        _clock = clock;
        _logger = logger;
        StartLoad();
    }

    /// <summary>Null while loading or after a failure; the engine once loaded.</summary>
    public IKeyphraseSuggester? Ready => _ready;

    /// <summary>Why the last load failed, or null.</summary>
    public string? Failure => _failure;

    /// <summary>Completes when the current load attempt ends (either way); for tests and warm-up checks.</summary>
    public Task WhenSettled => (Task?)_loading ?? Task.CompletedTask;

    public Task<SuggestionResult> SuggestAsync(string text, ImageInput? image, SuggestionOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (_ready is { } ready) return ready.SuggestAsync(text, image, options, cancellationToken);
        lock (_gate)
        {
            if (_failure is { } failure)
            {
                var wait = _retryAt - _clock.GetUtcNow();
                if (wait > TimeSpan.Zero) throw new KeyphraseModelUnavailableException(failure, wait);
                StartLoad();
            }
        }
        throw new SuggesterWarmingUpException($"The keyphrase model '{Path.GetFileName(_what)}' is still loading; try again shortly.");
    }

    private void StartLoad()
    {
        lock (_gate)
        {
            if (_disposed || _loading is { IsCompleted: false }) return;
            _failure = null;
            _loading = Task.Run(LoadOnce);
        }
    }

    private IKeyphraseSuggester LoadOnce()
    {
        try
        {
            var engine = _load();
            lock (_gate)
            {
                if (_disposed)
                {
                    (engine as IDisposable)?.Dispose();
                    return engine;
                }
                _ready = engine;
                _backOff = FirstRetry;
            }
            _logger.LogInformation("Keyphrase model {Model} loaded", _what);
            return engine;
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                _failure = ex.Message;
                _retryAt = _clock.GetUtcNow() + _backOff;
                _backOff = TimeSpan.FromTicks(Math.Min(LongestRetry.Ticks, _backOff.Ticks * 2));
            }
            _logger.LogError(ex, "Keyphrase model {Model} did not load; suggestions answer 503 with the reason until it does", _what);
            throw;
        }
    }

    /// <summary>Resolving this at start-up is what begins the load; the host does not wait for it.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        Task? loading;
        lock (_gate)
        {
            _disposed = true;
            loading = _loading;
        }
        if (loading is not null)
            try { await loading; } catch { /* the failure was logged */ }
        switch (_ready)
        {
            case IAsyncDisposable asyncDisposable: await asyncDisposable.DisposeAsync(); break;
            case IDisposable disposable: disposable.Dispose(); break;
        }
    }
}
