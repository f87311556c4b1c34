using DynamicCot.Plugin.Configuration;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.Tagging;

/// <summary>
/// Limits background suggestions on this node: at most N at once (the engine batches concurrent requests) and at most
/// R starts per second, so jobs never starve editors' interactive requests.
/// </summary>
public sealed class SuggestionThrottle
{
    private readonly SemaphoreSlim _slots;
    private readonly TimeSpan _interval;
    private readonly object _gate = new();
    private DateTime _nextStartUtc = DateTime.MinValue;

    public SuggestionThrottle(IOptions<DynamicCotOptions> options)
    {
        var throttle = options.Value.Throttle;
        _slots = new SemaphoreSlim(throttle.MaxConcurrentSuggestions);
        _interval = TimeSpan.FromSeconds(1 / throttle.MaxItemsPerSecond);
    }

    public async Task<T> RunAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            TimeSpan wait;
            lock (_gate)
            {
                var now = DateTime.UtcNow;
                var start = _nextStartUtc > now ? _nextStartUtc : now;
                _nextStartUtc = start + _interval;
                wait = start - now;
            }
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
            return await work();
        }
        finally
        {
            _slots.Release();
        }
    }
}
