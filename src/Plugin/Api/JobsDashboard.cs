using DynamicCot.Plugin.Jobs;
using DynamicCot.Plugin.Configuration;
using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.Api;

/// <summary>
/// Lets administrators only into Hangfire's dashboard. Hangfire's default filter lets in every local request, and
/// behind a reverse proxy every request looks local, so a real filter is always installed. The dashboard page is
/// opened from the backoffice in its own tab, without the backoffice's bearer token, so the user comes from the
/// request or from the configured authentication scheme (Umbraco's backoffice cookie).
/// </summary>
public sealed class AdministratorsOnlyDashboardFilter(Configuration.DashboardOptions options) : IDashboardAsyncAuthorizationFilter
{
    public async Task<bool> AuthorizeAsync(DashboardContext context)
    {
        var http = context.GetHttpContext();
        var user = http.User;
        if (user.Identity?.IsAuthenticated != true && !string.IsNullOrWhiteSpace(options.AuthenticationScheme))
        {
            var result = await http.AuthenticateAsync(options.AuthenticationScheme);
            if (result.Succeeded) user = result.Principal;
        }
        return user.Identity?.IsAuthenticated == true && user.IsInRole(options.AdministratorRole);
    }
}

public static class JobsDashboard
{
    /// <summary>
    /// Serves Hangfire's dashboard at <see cref="Configuration.DashboardOptions.Path"/> for administrators, with
    /// antiforgery on its actions (registered by <c>AddDynamicCot</c>) and without showing the storage connection string.
    /// </summary>
    public static IApplicationBuilder UseDynamicCotJobsDashboard(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptions<DynamicCotOptions>>().Value.Dashboard;
        if (!options.Enabled) return app;
        return app.UseHangfireDashboard(options.Path, new Hangfire.DashboardOptions
        {
            Authorization = [],
            AsyncAuthorization = [new AdministratorsOnlyDashboardFilter(options)],
            DisplayStorageConnectionString = false,
            DashboardTitle = "DynamicCot jobs",
            AppPath = "/umbraco",
            IgnoreAntiforgeryToken = false,
        }, app.ApplicationServices.GetRequiredKeyedService<JobStorage>(PluginHangfire.Key));
    }
}

/// <summary>Adds the dashboard to a host's pipeline without editing its Program.cs (how the Umbraco composer installs it).</summary>
public sealed class JobsDashboardStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        // Before the host's own middleware: the filter authenticates the request itself.
        app.UseDynamicCotJobsDashboard();
        next(app);
    };
}
