using System.Globalization;
using DynamicCot.Inference.Images;
using DynamicCot.Inference.Images.Vips;
using DynamicCot.Keyphrases;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Jobs;
using DynamicCot.Plugin.Tagging;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace DynamicCot.Plugin.Api;

/// <summary>
/// THE one place the API turns an error into an answer. Everything a client can cause (an error implementing
/// <see cref="IUserFacingError"/>, or Kestrel refusing a body over its limit) becomes a problem-details 4xx that names
/// the field, or a 503 with <c>Retry-After</c> when the engine is busy or loading. Anything else is a bug and stays a 500.
/// </summary>
public static class ApiErrorMapping
{
    /// <summary>Field named when the request body as a whole is refused (too large to read).</summary>
    public const string BodyField = "body";

    /// <summary>The answer for <paramref name="error"/>, or null when it is not the client's doing (a 500).</summary>
    public static ObjectResult? ToResult(Exception error, HttpResponse response)
    {
        switch (error)
        {
            case SuggesterUnavailableException unavailable:
                var seconds = Math.Max(1, (int)Math.Ceiling(unavailable.RetryAfter.TotalSeconds));
                response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return ApiProblems.Status(StatusCodes.Status503ServiceUnavailable,
                    unavailable switch
                    {
                        SuggesterWarmingUpException => "Keyphrase model is being prepared",
                        Serving.KeyphraseModelUnavailableException => "Keyphrase model unavailable",
                        _ => "Keyphrase engine busy",
                    }, unavailable.Message);
            case KeyphraseEngineNotConfiguredException or VipsStartException:
                return ApiProblems.Status(StatusCodes.Status503ServiceUnavailable, "Keyphrase engine unavailable", error.Message);
            case ImageTooLargeException { Limit: ImageLimit.InputBytes } tooLarge:
                return ApiProblems.Field(SuggestionInputException.ImageInputName, tooLarge.Message, StatusCodes.Status413PayloadTooLarge);
            case ImageDecodeException image:
                return ApiProblems.Field(SuggestionInputException.ImageInputName, image.Message);
            case SuggestionInputException input:
                return ApiProblems.Field(string.IsNullOrEmpty(input.Input) ? SuggestionInputException.TextInput : input.Input, input.Message);
            case BulkJobNotFoundException notFound:
                return ApiProblems.Field("id", notFound.Message, StatusCodes.Status404NotFound);
            case BulkJobStateException state:
                return ApiProblems.Status(StatusCodes.Status409Conflict, "Job state does not allow this", state.Message);
            case ContentNotTaggableException notTaggable:
                return ApiProblems.Field("contentId", notTaggable.Message, StatusCodes.Status422UnprocessableEntity);
            case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } bodyTooLarge:
                return ApiProblems.Field(BodyField, $"The request body is larger than this endpoint accepts ({bodyTooLarge.Message.TrimEnd('.')}).",
                    StatusCodes.Status413PayloadTooLarge);
            case BadHttpRequestException badRequest:
                return ApiProblems.Field(BodyField, badRequest.Message, badRequest.StatusCode);
            case IUserFacingError:
                return ApiProblems.Field("request", error.Message);
            default:
                return null;
        }
    }
}
