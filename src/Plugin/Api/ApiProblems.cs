using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace DynamicCot.Plugin.Api;

/// <summary>Problem-details answers that name the offending field, in the shape ASP.NET Core's own validation uses.</summary>
public static class ApiProblems
{
    public static ObjectResult Field(string field, string message, int status = StatusCodes.Status400BadRequest)
    {
        var problem = new ValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = status,
            Title = status == StatusCodes.Status413PayloadTooLarge ? "Upload too large" : "Invalid request",
            Detail = $"{field}: {message}",
        };
        return Result(problem);
    }

    public static ObjectResult Status(int status, string title, string detail) =>
        Result(new ProblemDetails { Status = status, Title = title, Detail = detail });

    private static ObjectResult Result(ProblemDetails problem) =>
        new(problem) { StatusCode = problem.Status, ContentTypes = { "application/problem+json" } };
}
