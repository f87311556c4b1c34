namespace DynamicCot.Plugin.Tagging;

/// <summary>
/// Marks the plugin's own publish of tags, so the published-notification handler does not enqueue auto-tag again for
/// it (which would loop). Umbraco raises the notification inside <c>SaveAndPublish</c>, on the same async flow, so an
/// <see cref="AsyncLocal{T}"/> flag set around that call is visible to the handler and to nothing else.
/// </summary>
public static class SelfPublishGuard
{
    private static readonly AsyncLocal<int> Depth = new();

    public static bool IsActive => Depth.Value > 0;

    public static IDisposable Begin()
    {
        Depth.Value++;
        return new Scope();
    }

    private sealed class Scope : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Depth.Value--;
        }
    }
}
