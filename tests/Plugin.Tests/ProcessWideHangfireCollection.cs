namespace DynamicCot.Plugin.Tests;

/// <summary>
/// Tests that start a site's own Hangfire (which sets Hangfire's process-wide configuration, as a real site does) and
/// tests that assert the plugin's retry decisions run alone, after the parallel tests. Run side by side with the other
/// test classes in one process, the auto-tag retry test's overloaded-engine job occasionally ended Failed instead of
/// Scheduled (a few runs in ten of the whole project under load; never when these classes ran without the others).
/// The cause is not yet explained: a failed job's recorded reason is what to read first when it shows again.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideHangfireCollection
{
    public const string Name = "Process-wide Hangfire configuration";
}
