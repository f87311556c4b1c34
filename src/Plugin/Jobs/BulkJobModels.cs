using DynamicCot.Plugin.Content;

namespace DynamicCot.Plugin.Jobs;

/// <summary>Failed: a batch ran out of retries (the view's Error says why); restart runs the job again.</summary>
public enum BulkJobStatus { Queued, Running, Paused, Cancelled, Completed, Failed }

/// <summary>Skipped: the item cannot be tagged (gone, trashed, document type not configured, nothing to suggest from).</summary>
public enum BulkItemState { Pending, Done, Failed, Skipped }

/// <summary>A bulk retag job and its progress.</summary>
/// <param name="RatePerSecond">Items finished per second in the current run, or null before any finished.</param>
/// <param name="Eta">Estimated time left at that rate, or null when unknown.</param>
public sealed record BulkJobView(
    Guid Id,
    ContentSelection Selection,
    BulkJobStatus Status,
    int Total,
    int Done,
    int Failed,
    double? RatePerSecond,
    TimeSpan? Eta,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt,
    string? Error,
    IReadOnlyList<BulkItemFailure> Failures,
    ContentActor? StartedBy = null,
    int BatchesTotal = 0,
    int BatchesRemaining = 0,
    IReadOnlyList<NodeProgress>? Nodes = null,
    int Skipped = 0)
{
    public int Pending => Total - Done - Failed - Skipped;
    public bool IsFinished => Status is BulkJobStatus.Completed or BulkJobStatus.Cancelled or BulkJobStatus.Failed;
}

public sealed record BulkItemFailure(Guid ContentKey, string Reason, int Attempts);

/// <summary>What one node finished of a bulk job (nodes are Hangfire server names).</summary>
public sealed record NodeProgress(string Node, int Done, int Failed);

/// <summary>A state change the job's current status does not allow (e.g. resuming a completed job).</summary>
public sealed class BulkJobStateException(string message) : Exception(message), DynamicCot.Keyphrases.IUserFacingError;

public sealed class BulkJobNotFoundException(Guid id) : Exception($"No bulk job has the id {id}."), DynamicCot.Keyphrases.IUserFacingError
{
    public Guid Id { get; } = id;
}
