using System.ClientModel.Primitives;
using System.Globalization;

namespace DynamicCot.Tools.Teacher;

/// <summary>When a remote teacher's request is re-sent, and how long to wait first.</summary>
public sealed record TeacherRetryOptions
{
    /// <summary>Most sends per request, the first included.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>Wait before the first retry; doubles each time (with jitter).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest backoff wait.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest wait a server's Retry-After may impose; a longer one is cut to this.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Limit for one send, response included.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(120);

    internal void Validate()
    {
        if (MaxAttempts < 1)
            throw new ArgumentException($"The teacher's attempts per request must be at least 1, got {MaxAttempts}.");
        if (BaseDelay < TimeSpan.Zero || MaxDelay < TimeSpan.Zero || MaxRetryAfter < TimeSpan.Zero)
            throw new ArgumentException("Retry delays must not be negative.");
        if (AttemptTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"The attempt timeout must be positive, got {AttemptTimeout}.");
    }
}

/// <summary>
/// The OpenAI SDK's own retry loop (<see cref="ClientRetryPolicy"/> with its default classifier: rate limits (429),
/// timeouts (408), server errors (500, 502, 503, 504) and dropped connections), configured for a long paid batch: it
/// allows <see cref="TeacherRetryOptions.MaxAttempts"/> sends, waits what the server asks (<c>retry-after-ms</c>, <c>Retry-After</c> in seconds or as a date, capped) or else backs off exponentially with
/// jitter, so many throttled clients do not retry in lockstep. It also counts sends, for the run's summary.
/// </summary>
internal sealed class TeacherRetryPolicy(TeacherRetryOptions options) : ClientRetryPolicy(options.MaxAttempts - 1)
{
    private long _sends;
    private long _retries;

    public long Sends => Interlocked.Read(ref _sends);

    public long Retries => Interlocked.Read(ref _retries);

    protected override void OnSendingRequest(PipelineMessage message) => CountSend(message);

    protected override ValueTask OnSendingRequestAsync(PipelineMessage message)
    {
        CountSend(message);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The default classifier retries status codes and I/O errors, but not a connection the server dropped mid-reply
    /// (the transport reports it as an HTTP request failure): a flaky proxy's most common fault, so it is retried too.
    /// </summary>
    protected override bool ShouldRetry(PipelineMessage message, Exception? exception)
    {
        if (message.CancellationToken.IsCancellationRequested || SendsOf(message) >= options.MaxAttempts)
            return false;
        if (exception is HttpRequestException or IOException || exception?.InnerException is HttpRequestException or IOException)
            return true;
        return base.ShouldRetry(message, exception);
    }

    private void CountSend(PipelineMessage message)
    {
        Interlocked.Increment(ref _sends);
        message.SetProperty(typeof(SendCount), new SendCount(SendsOf(message) + 1));
    }

    private static int SendsOf(PipelineMessage message) =>
        message.TryGetProperty(typeof(SendCount), out var value) && value is SendCount count ? count.Value : 0;

    /// <summary>Sends of one request so far (the SDK keeps its own count internal).</summary>
    private sealed record SendCount(int Value);

    protected override void OnTryComplete(PipelineMessage message) => Interlocked.Increment(ref _retries);

    protected override TimeSpan GetNextDelay(PipelineMessage message, int tryCount)
    {
        if (message.Response is { } response && ServerDelay(response.Headers) is { } server)
            return server > options.MaxRetryAfter ? options.MaxRetryAfter : server;
        var exponential = options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, tryCount - 1));
        var capped = Math.Min(exponential, options.MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped / 2 + Random.Shared.NextDouble() * capped / 2);
    }

    private static TimeSpan? ServerDelay(PipelineResponseHeaders headers)
    {
        if (headers.TryGetValue("retry-after-ms", out var ms)
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
            return TimeSpan.FromMilliseconds(milliseconds);
        if (!headers.TryGetValue("Retry-After", out var retryAfter) || retryAfter is null)
            return null;
        if (double.TryParse(retryAfter, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            return TimeSpan.FromSeconds(seconds);
        if (DateTimeOffset.TryParse(retryAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }
}
