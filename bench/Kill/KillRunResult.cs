namespace DynamicCot.Bench.Kill;

public sealed record KillRunSettings(int Items, int EngineDelayMilliseconds, int BatchSize, double DisruptAt, string DataFolder);

/// <summary>What one kill run measured: the job's end, and the write audit of every item.</summary>
public sealed record KillRunResult(
    int Items, TimeSpan Wall, string FinalStatus, string? FailedWith, bool Restarted, int Missing, int Duplicated,
    int RowsNotDone, int MaxAttempts, string Disruption, string LoadBefore, string LoadAfter, string Nodes)
{
    public bool ExactlyOnce => Missing == 0 && Duplicated == 0 && RowsNotDone == 0;

    public string Summary(string name) =>
        $"{name}: {Items} items in {Wall.TotalSeconds:0} s; {Disruption}; final {FinalStatus}" +
        (FailedWith is null ? "" : $" (failed first with: {FailedWith}; restarted: {Restarted})") +
        $"; items with no write {Missing}, written more than once {Duplicated}, rows not Done {RowsNotDone}, max attempts {MaxAttempts}; " +
        $"per node {Nodes}; load {LoadBefore} -> {LoadAfter}";
}
