using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Jobs;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace DynamicCot.Plugin.Api;

/// <summary>Body of <c>POST jobs</c>: a subtree (<see cref="RootId"/>), a document type, both, or <see cref="All"/>.</summary>
public sealed record StartJobRequest(Guid? RootId, string? DocumentType, bool All = false);

/// <param name="Nodes">Items each node finished (Hangfire server names).</param>
public sealed record JobDto(Guid Id, string Status, ContentSelection Selection, int Total, int Done, int Failed, int Skipped, int Pending,
    double? RatePerSecond, double? EtaSeconds, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt,
    string? Error, IReadOnlyList<BulkItemFailure> Failures, string? StartedBy, int Batches, int BatchesLeft, IReadOnlyList<NodeProgress> Nodes)
{
    public static JobDto From(BulkJobView v) => new(v.Id, v.Status.ToString(), v.Selection, v.Total, v.Done, v.Failed, v.Skipped, v.Pending,
        v.RatePerSecond, v.Eta?.TotalSeconds, v.CreatedAt, v.UpdatedAt, v.FinishedAt, v.Error, v.Failures, v.StartedBy?.Name,
        v.BatchesTotal, v.BatchesRemaining, v.Nodes ?? []);
}

/// <summary>
/// Bulk retag jobs: start, list, inspect (progress per node, rate, ETA, failures), pause, resume, restart, cancel.
/// Changing a job needs content-section access and publish rights on its content (see <see cref="IContentPermissions"/>);
/// others get 403 problem details. Users see the jobs they started; administrators see all. The job's writes are
/// attributed to the user who started it.
/// </summary>
[ApiController]
[Route(ApiRoutes.Base + "/jobs")]
[Authorize(Policy = DynamicCotAuthorization.Policy)]
[DynamicCotExceptionFilter]
public sealed class JobsController(BulkJobService jobs, IContentPermissions permissions) : ControllerBase
{
    [HttpPost]
    public async Task<IActionResult> Start([FromBody] StartJobRequest request, CancellationToken cancellationToken)
    {
        var selection = new ContentSelection(request.RootId, string.IsNullOrWhiteSpace(request.DocumentType) ? null : request.DocumentType.Trim(), request.All);
        if (selection.IsEmpty)
            return ApiProblems.Field("rootId", "Say which content to retag: rootId (a subtree), documentType, or all=true.");
        if (await permissions.CheckBulkJobAsync(User, selection, cancellationToken) is { } refused)
            return Forbidden("start", refused);
        var view = await jobs.StartAsync(selection, permissions.ActorOf(User), cancellationToken);
        return AcceptedAtAction(nameof(Get), new { id = view.Id }, JobDto.From(view));
    }

    /// <summary>The jobs the user may see: the ones they started, or every job for an administrator.</summary>
    [HttpGet]
    public async Task<IReadOnlyList<JobDto>> List(CancellationToken cancellationToken)
    {
        var visible = await VisibilityAsync(cancellationToken);
        return (await jobs.ListAsync(cancellationToken)).Where(visible).Select(JobDto.From).ToList();
    }

    [HttpGet("{id:guid}")]
    public async Task<IActionResult> Get(Guid id, CancellationToken cancellationToken)
    {
        var job = await jobs.GetAsync(id, cancellationToken);
        return (await VisibilityAsync(cancellationToken))(job)
            ? Ok(JobDto.From(job))
            : Forbidden("view", "Only the user who started a bulk job, or an administrator, may see it.", "jobs.view");
    }

    private async Task<Func<BulkJobView, bool>> VisibilityAsync(CancellationToken cancellationToken)
    {
        if (await permissions.CheckAdministratorAsync(User, cancellationToken) is null) return _ => true;
        var me = permissions.ActorOf(User).UserId;
        return job => me is not null && job.StartedBy?.UserId == me;
    }

    [HttpPost("{id:guid}/pause")]
    public Task<IActionResult> Pause(Guid id, CancellationToken cancellationToken) => ChangeAsync(id, "pause", jobs.PauseAsync, cancellationToken);

    [HttpPost("{id:guid}/resume")]
    public Task<IActionResult> Resume(Guid id, CancellationToken cancellationToken) => ChangeAsync(id, "resume", jobs.ResumeAsync, cancellationToken);

    [HttpPost("{id:guid}/restart")]
    public Task<IActionResult> Restart(Guid id, CancellationToken cancellationToken) => ChangeAsync(id, "restart", jobs.RestartAsync, cancellationToken);

    [HttpPost("{id:guid}/cancel")]
    public Task<IActionResult> Cancel(Guid id, CancellationToken cancellationToken) => ChangeAsync(id, "cancel", jobs.CancelAsync, cancellationToken);

    private async Task<IActionResult> ChangeAsync(Guid id, string verb, Func<Guid, CancellationToken, Task<BulkJobView>> change, CancellationToken cancellationToken)
    {
        var job = await jobs.GetAsync(id, cancellationToken);
        if (await permissions.CheckBulkJobAsync(User, job.Selection, cancellationToken) is { } refused)
            return Forbidden(verb, refused);
        return Ok(JobDto.From(await change(id, cancellationToken)));
    }

    private static ObjectResult Forbidden(string verb, string reason, string action = "jobs.change") =>
        ApiProblems.Forbidden(action, $"Not allowed to {verb} this bulk job", reason);
}
