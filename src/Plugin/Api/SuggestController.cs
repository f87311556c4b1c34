using System.Diagnostics;
using DynamicCot.Inference.Images;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Content;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.Api;

/// <summary>Form of <c>POST suggest</c>: a content item's id, or raw text and/or an uploaded image (multipart).</summary>
public sealed class SuggestForm
{
    public Guid? ContentId { get; set; }
    public string? Text { get; set; }
    public IFormFile? Image { get; set; }
}

public sealed record SuggestionDto(string Text, double Confidence, bool MatchedExistingTag);

/// <param name="DroppedKeyphrases">Keyphrases the model wrote that broke the tag rules and were left out.</param>
public sealed record SuggestResponse(Guid? ContentId, IReadOnlyList<SuggestionDto> Keyphrases, string? Rationale,
    int PromptTokens, int GeneratedTokens, double ElapsedMilliseconds, int DroppedKeyphrases);

/// <summary>Interactive suggestions for the editor's "Suggest keyphrases" button.</summary>
[ApiController]
[Route(ApiRoutes.Base)]
[Authorize(Policy = DynamicCotAuthorization.Policy)]
[DynamicCotExceptionFilter]
public sealed class SuggestController(
    IKeyphraseSuggester suggester,
    IContentRepository content,
    IMediaBytesSource media,
    ApiActions actions,
    IOptions<DynamicCotOptions> options) : ControllerBase
{
    // Bodies up to this size are read so that an oversized image gets a clear 413 naming it rather than a dropped connection.
    private const long MaxRequestBytes = 128L * 1024 * 1024;

    [HttpPost("suggest")]
    [Consumes("multipart/form-data", "application/x-www-form-urlencoded")]
    [RequestSizeLimit(MaxRequestBytes)]
    [RequestFormLimits(MultipartBodyLengthLimit = MaxRequestBytes)]
    public async Task<IActionResult> Suggest([FromForm] SuggestForm form, CancellationToken cancellationToken)
    {
        if (await (form.ContentId is { } key ? actions.SuggestForItemAsync(User, key, cancellationToken) : actions.SuggestForTextAsync(User, cancellationToken)) is { } refused)
            return refused;
        var settings = options.Value;
        var text = form.Text;
        ImageInput? image = null;
        IReadOnlyList<string> existingTags = [];

        if (form.Image is { } upload)
        {
            // The cheap checks the engine's decoder makes too, here before the bytes are read or queued behind other requests.
            if (upload.Length > settings.MaxImageBytes)
                throw new ImageTooLargeException(upload.FileName, ImageLimit.InputBytes, upload.Length, settings.MaxImageBytes,
                    $"the upload is {upload.Length / 1048576.0:F1} MB; the limit is {settings.MaxImageBytes / 1048576.0:F1} MB");
            if (upload.Length == 0)
                throw new CorruptImageException(upload.FileName, $"'{upload.FileName}' is empty (0 bytes).");
            var bytes = new byte[upload.Length];
            await using (var stream = upload.OpenReadStream())
                await stream.ReadExactlyAsync(bytes, cancellationToken);
            if (ImageFormatSniffer.Detect(bytes, out var detected) is null)
                throw new UnsupportedImageFormatException(upload.FileName, detected);
            image = new ImageInput(bytes, upload.FileName);
        }

        if (form.ContentId is { } id)
        {
            var item = await content.GetAsync(id, cancellationToken);
            if (item is null) return ApiProblems.Field("contentId", $"No content item has the id {id}.", StatusCodes.Status404NotFound);
            text ??= item.Text;
            existingTags = item.Tags;
            if (image is null && item.ImageReference is { Length: > 0 } reference)
                image = await media.ReadAsync(reference, cancellationToken);
        }

        if (string.IsNullOrWhiteSpace(text) && image is null)
            return ApiProblems.Field("text", "Give a contentId, some text, or an image.");

        var started = Stopwatch.StartNew();
        var result = await suggester.SuggestAsync(text ?? "", image, settings.ToSuggestionOptions(existingTags), cancellationToken);
        return Ok(new SuggestResponse(form.ContentId,
            result.Keyphrases.Select(k => new SuggestionDto(k.Text, k.Confidence, k.MatchedExistingTag)).ToList(),
            result.Rationale, result.PromptTokens, result.GeneratedTokens, started.Elapsed.TotalMilliseconds, result.DroppedKeyphrases));
    }
}
