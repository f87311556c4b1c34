using System.Net;
using System.Net.Http.Headers;

namespace DynamicCot.Keyphrases.Teacher;

/// <summary>
/// When and how long to wait before re-sending a failed request: exponential backoff with jitter, or the server's
/// own <c>Retry-After</c> (also OpenAI's <c>retry-after-ms</c>) when it sends one.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>Most sends per request, the first included.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>Wait before the first retry; doubles each time.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest backoff wait (before jitter).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest wait a server's Retry-After may impose; a longer one is cut to this.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Limit for one send, response included.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Status codes worth retrying: rate limits, timeouts and server errors.</summary>
    public static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout or HttpStatusCode.Conflict || (int)status >= 500;

    /// <summary>
    /// The wait before attempt <paramref name="failedAttempt"/> + 1. "Equal jitter": half the exponential delay plus a
    /// random part of the other half, so that many clients throttled together do not retry in lockstep, yet each
    /// waits at least half the backoff.
    /// </summary>
    public TimeSpan Backoff(int failedAttempt, HttpResponseHeaders? headers = null)
    {
        if (headers is not null && ServerDelay(headers) is { } server)
            return server > MaxRetryAfter ? MaxRetryAfter : server;
        var exponential = BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, failedAttempt - 1));
        var capped = Math.Min(exponential, MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped / 2 + Random.Shared.NextDouble() * capped / 2);
    }

    internal void Validate()
    {
        if (MaxAttempts < 1)
            throw new ArgumentException($"RetryPolicy.MaxAttempts must be at least 1, got {MaxAttempts}.");
        if (BaseDelay < TimeSpan.Zero || MaxDelay < TimeSpan.Zero || MaxRetryAfter < TimeSpan.Zero)
            throw new ArgumentException("RetryPolicy delays must not be negative.");
        if (AttemptTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"RetryPolicy.AttemptTimeout must be positive, got {AttemptTimeout}.");
    }

    private static TimeSpan? ServerDelay(HttpResponseHeaders headers)
    {
        if (headers.TryGetValues("retry-after-ms", out var milliseconds)
            && double.TryParse(milliseconds.FirstOrDefault(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ms)
            && ms >= 0)
            return TimeSpan.FromMilliseconds(ms);
        if (headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta)
                return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            if (retryAfter.Date is { } date)
            {
                var wait = date - DateTimeOffset.UtcNow;
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
        }
        return null;
    }
}
