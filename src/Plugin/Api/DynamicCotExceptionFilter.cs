using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Jobs;
using DynamicCot.Plugin.Tagging;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Filters;

namespace DynamicCot.Plugin.Api;

/// <summary>Maps the plugin's typed errors to HTTP answers; anything else stays a 500.</summary>
public sealed class DynamicCotExceptionFilterAttribute : ExceptionFilterAttribute
{
    /// <summary>Seconds a client should wait after the engine said it was overloaded.</summary>
    public const int RetryAfterSeconds = 5;

    public override void OnException(ExceptionContext context)
    {
        switch (context.Exception)
        {
            case SuggesterUnavailableException unavailable:
                var seconds = unavailable is SuggesterOverloadedException ? RetryAfterSeconds : (int)Math.Ceiling(unavailable.RetryAfter.TotalSeconds);
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                context.Result = ApiProblems.Status(StatusCodes.Status503ServiceUnavailable,
                    unavailable is SuggesterWarmingUpException ? "Keyphrase model is being prepared" : "Keyphrase engine busy", unavailable.Message);
                break;
            case KeyphraseEngineNotConfiguredException notConfigured:
                context.Result = ApiProblems.Status(StatusCodes.Status503ServiceUnavailable, "No keyphrase model", notConfigured.Message);
                break;
            case SuggestionInputException input:
                context.Result = ApiProblems.Field("text", input.Message);
                break;
            case BulkJobNotFoundException notFound:
                context.Result = ApiProblems.Field("id", notFound.Message, StatusCodes.Status404NotFound);
                break;
            case BulkJobStateException state:
                context.Result = ApiProblems.Status(StatusCodes.Status409Conflict, "Job state does not allow this", state.Message);
                break;
            default:
                return;
        }
        context.ExceptionHandled = true;
    }
}
