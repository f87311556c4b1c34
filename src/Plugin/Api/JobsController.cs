using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Jobs;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace DynamicCot.Plugin.Api;

/// <summary>Body of <c>POST jobs</c>: a subtree (<see cref="RootId"/>), a document type, both, or <see cref="All"/>.</summary>
public sealed record StartJobRequest(Guid? RootId, string? DocumentType, bool All = false);

public sealed record JobDto(Guid Id, string Status, ContentSelection Selection, int Total, int Done, int Failed, int Pending,
    double? RatePerSecond, double? EtaSeconds, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt,
    string? Error, IReadOnlyList<BulkItemFailure> Failures)
{
    public static JobDto From(BulkJobView v) => new(v.Id, v.Status.ToString(), v.Selection, v.Total, v.Done, v.Failed, v.Pending,
        v.RatePerSecond, v.Eta?.TotalSeconds, v.CreatedAt, v.UpdatedAt, v.FinishedAt, v.Error, v.Failures);
}

/// <summary>Bulk retag jobs: start, list, inspect (progress, rate, ETA, failures), pause, resume, cancel.</summary>
[ApiController]
[Route(ApiRoutes.Base + "/jobs")]
[Authorize(Policy = DynamicCotAuthorization.Policy)]
[DynamicCotExceptionFilter]
public sealed class JobsController(BulkJobService jobs) : ControllerBase
{
    [HttpPost]
    public async Task<IActionResult> Start([FromBody] StartJobRequest request, CancellationToken cancellationToken)
    {
        var selection = new ContentSelection(request.RootId, string.IsNullOrWhiteSpace(request.DocumentType) ? null : request.DocumentType.Trim(), request.All);
        if (selection.IsEmpty)
            return ApiProblems.Field("rootId", "Say which content to retag: rootId (a subtree), documentType, or all=true.");
        var view = await jobs.StartAsync(selection, cancellationToken);
        return AcceptedAtAction(nameof(Get), new { id = view.Id }, JobDto.From(view));
    }

    [HttpGet]
    public async Task<IReadOnlyList<JobDto>> List(CancellationToken cancellationToken) =>
        (await jobs.ListAsync(cancellationToken)).Select(JobDto.From).ToList();

    [HttpGet("{id:guid}")]
    public async Task<JobDto> Get(Guid id, CancellationToken cancellationToken) => JobDto.From(await jobs.GetAsync(id, cancellationToken));

    [HttpPost("{id:guid}/pause")]
    public async Task<JobDto> Pause(Guid id, CancellationToken cancellationToken) => JobDto.From(await jobs.PauseAsync(id, cancellationToken));

    [HttpPost("{id:guid}/resume")]
    public async Task<JobDto> Resume(Guid id, CancellationToken cancellationToken) => JobDto.From(await jobs.ResumeAsync(id, cancellationToken));

    [HttpPost("{id:guid}/cancel")]
    public async Task<JobDto> Cancel(Guid id, CancellationToken cancellationToken) => JobDto.From(await jobs.CancelAsync(id, cancellationToken));
}
