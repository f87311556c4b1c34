namespace DynamicCot.Plugin.Tests;

/// <summary>
/// Tests that start a site's own Hangfire (which sets Hangfire's process-wide configuration, as a real site does) and
/// tests that assert the plugin's retry decisions run one after the other. Run side by side in one test process, the
/// auto-tag retry test once saw its overloaded-engine job end Failed instead of Scheduled (about one run in two of
/// these two classes at load 30; not reproduced in eight runs at load 10). Until that cross-talk is explained, the two
/// do not overlap; <see cref="JobSemanticsTests"/> prints a failed job's recorded reason to make it diagnosable.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ProcessWideHangfireCollection
{
    public const string Name = "Process-wide Hangfire configuration";
}
