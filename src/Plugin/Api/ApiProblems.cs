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

    /// <summary>403 naming the refused action in its title and in an <c>action</c> member clients can branch on.</summary>
    public static ObjectResult Forbidden(string action, string title, string detail)
    {
        var problem = new ProblemDetails { Status = StatusCodes.Status403Forbidden, Title = title, Detail = detail };
        problem.Extensions["action"] = action;
        return Result(problem);
    }

    private static ObjectResult Result(ProblemDetails problem) =>
        new(problem) { StatusCode = problem.Status, ContentTypes = { "application/problem+json" } };
}
