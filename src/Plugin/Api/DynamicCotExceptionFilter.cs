using Microsoft.AspNetCore.Mvc.Filters;

namespace DynamicCot.Plugin.Api;

/// <summary>Answers the plugin's controllers' errors through <see cref="ApiErrorMapping"/>; anything it does not map stays a 500.</summary>
public sealed class DynamicCotExceptionFilterAttribute : ExceptionFilterAttribute
{
    public override void OnException(ExceptionContext context)
    {
        if (ApiErrorMapping.ToResult(context.Exception, context.HttpContext.Response) is not { } result)
            return;
        context.Result = result;
        context.ExceptionHandled = true;
    }
}
