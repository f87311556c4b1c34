using System.Text;
using System.Text.Json;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Feedback;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace DynamicCot.Plugin.Api;

/// <summary>Body of <c>POST feedback</c>: the item (or the raw text) and the editor's decisions on its suggestions.</summary>
public sealed record FeedbackRequest(Guid? ContentId, string? Text, string? Image,
    IReadOnlyList<string>? Accepted, IReadOnlyList<string>? Rejected, IReadOnlyList<string>? Added);

/// <summary>Records editors' accept/reject/add decisions and exports them as training JSONL.</summary>
[ApiController]
[Route(ApiRoutes.Base + "/feedback")]
[Authorize(Policy = DynamicCotAuthorization.Policy)]
[DynamicCotExceptionFilter]
public sealed class FeedbackController(FeedbackStore feedback, RejectedTagStore rejectedTags, IContentRepository content, ApiActions actions) : ControllerBase
{
    /// <summary>Largest feedback body read: the item's text (cut by the engine to far less) and its tags fit many times over.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    [HttpPost]
    [RequestSizeLimit(MaxBodyBytes)]
    public async Task<IActionResult> Record([FromBody] FeedbackRequest request, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> accepted = request.Accepted ?? [], rejected = request.Rejected ?? [], added = request.Added ?? [];
        if (accepted.Count + rejected.Count + added.Count == 0)
            return ApiProblems.Field("accepted", "Give at least one accepted, rejected or added tag.");
        if (accepted.Concat(rejected).Concat(added).Any(string.IsNullOrWhiteSpace))
            return ApiProblems.Field("accepted", "Tags must not be empty.");
        if (await (request.ContentId is { } key ? actions.WriteFeedbackAsync(User, key, cancellationToken) : actions.WriteTextFeedbackAsync(User, cancellationToken)) is { } refused)
            return refused;

        var text = request.Text;
        var image = request.Image;
        if (request.ContentId is { } id)
        {
            var item = await content.GetAsync(id, cancellationToken);
            if (item is null) return ApiProblems.Field("contentId", $"No content item has the id {id}.", StatusCodes.Status404NotFound);
            text ??= item.Text;
            image ??= item.ImageReference;
        }
        if (string.IsNullOrWhiteSpace(text))
            return ApiProblems.Field("text", "Give a contentId or the text the suggestions were made for.");

        var record = await feedback.AddAsync(request.ContentId, text, image, accepted, rejected, added, cancellationToken);
        return StatusCode(StatusCodes.Status201Created, record);
    }

    /// <summary>The tags editors rejected for an item; auto-tag and bulk retag never add them back.</summary>
    [HttpGet("rejected/{contentId:guid}")]
    public async Task<IActionResult> Rejected(Guid contentId, CancellationToken cancellationToken) =>
        await actions.ReadRejectionsAsync(User, contentId, cancellationToken) ?? (IActionResult)Ok(await rejectedTags.ListAsync(contentId, cancellationToken));

    /// <summary>Clears rejections of an item: the tags named in <paramref name="tag"/> (repeatable), or all of them.</summary>
    [HttpDelete("rejected/{contentId:guid}")]
    public async Task<IActionResult> ClearRejected(Guid contentId, [FromQuery] string[]? tag, CancellationToken cancellationToken)
    {
        if (await actions.WriteFeedbackAsync(User, contentId, cancellationToken) is { } refused) return refused;
        var cleared = await rejectedTags.ClearAsync(contentId, tag is { Length: > 0 } ? tag : null, cancellationToken);
        return Ok(new { contentId, cleared });
    }

    /// <summary>Clears rejections on every item: the tags named in <paramref name="tag"/> (repeatable), or all of them.</summary>
    [HttpDelete("rejected")]
    public async Task<IActionResult> ClearRejectedEverywhere([FromQuery] string[]? tag, CancellationToken cancellationToken)
    {
        if (await actions.ClearAllRejectionsAsync(User, cancellationToken) is { } refused) return refused;
        var cleared = await rejectedTags.ClearEverywhereAsync(tag is { Length: > 0 } ? tag : null, cancellationToken);
        return Ok(new { cleared });
    }

    /// <summary>Training data in the project's dataset format, one JSON object per line.</summary>
    [HttpGet("export")]
    public async Task<IActionResult> Export(CancellationToken cancellationToken)
    {
        if (await actions.ExportFeedbackAsync(User, cancellationToken) is { } refused) return refused;
        var lines = new StringBuilder();
        foreach (var example in await feedback.ExportAsync(cancellationToken))
            lines.Append(JsonSerializer.Serialize(example)).Append('\n');
        return File(Encoding.UTF8.GetBytes(lines.ToString()), "application/x-ndjson", "feedback.jsonl");
    }
}
