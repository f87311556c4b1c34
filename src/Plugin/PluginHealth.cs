namespace DynamicCot.Plugin;

/// <summary>
/// What of the plugin works on this process right now, for the API and the backoffice: the site never fails to start
/// because of the plugin; what cannot run says so here instead.
/// </summary>
public sealed class PluginHealth
{
    private volatile string? _jobsPaused;

    /// <summary>Why the plugin's background jobs do not run on this process, or null when they do.</summary>
    public string? JobsPausedReason => _jobsPaused;

    public void JobsPaused(string reason) => _jobsPaused = reason;

    public void JobsRunning() => _jobsPaused = null;
}
