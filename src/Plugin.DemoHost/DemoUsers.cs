using System.Security.Claims;
using System.Text.Encodings.Web;
using DynamicCot.Plugin.Api;
using DynamicCot.Plugin.Content;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.DemoHost;

/// <summary>A demo backoffice user: what Umbraco's user groups would give them.</summary>
/// <param name="Roles">User group aliases ("admin" opens the jobs dashboard).</param>
/// <param name="ContentSection">Access to the Content section.</param>
/// <param name="MayPublish">The publish permission on all content.</param>
public sealed record DemoUser(int Id, string Login, string Name, string[] Roles, bool ContentSection, bool MayPublish);

/// <summary>
/// The demo's stand-in for Umbraco's users and sign-in: fixed users, chosen per request by the <see cref="Header"/>
/// header (or the <see cref="Cookie"/> cookie); a request naming none is the administrator, so the demo page works as
/// it is. The demo listens on 127.0.0.1 only.
/// </summary>
public static class DemoUsers
{
    public const string Scheme = "Demo";
    public const string Header = "X-Demo-User";
    public const string Cookie = "demo-user";

    public static readonly IReadOnlyList<DemoUser> All =
    [
        new(1, "admin", "Ada Administrator", ["admin"], ContentSection: true, MayPublish: true),
        new(2, "editor", "Eddie Editor", ["editor"], ContentSection: true, MayPublish: true),
        new(3, "writer", "Wren Writer", ["writer"], ContentSection: true, MayPublish: false),
        new(4, "translator", "Tove Translator", ["translator"], ContentSection: false, MayPublish: false),
    ];

    public static DemoUser? Find(string login) => All.FirstOrDefault(u => string.Equals(u.Login, login, StringComparison.OrdinalIgnoreCase));

    public static ClaimsPrincipal Principal(DemoUser user) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Name, user.Name),
            .. user.Roles.Select(r => new Claim(ClaimTypes.Role, r)),
        ], Scheme));
}

/// <summary>Signs each request in as the demo user it names (see <see cref="DemoUsers"/>); an unknown name fails.</summary>
public sealed class DemoAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var login = Request.Headers[DemoUsers.Header].FirstOrDefault() ?? Request.Cookies[DemoUsers.Cookie] ?? "admin";
        return Task.FromResult(DemoUsers.Find(login) is { } user
            ? AuthenticateResult.Success(new AuthenticationTicket(DemoUsers.Principal(user), Scheme.Name))
            : AuthenticateResult.Fail($"No demo user '{login}'; the demo users are {string.Join(", ", DemoUsers.All.Select(u => u.Login))}."));
    }
}

/// <summary>Bulk job permissions of the demo users: the Content section and the publish permission (the demo has no tree).</summary>
public sealed class DemoContentPermissions : IContentPermissions
{
    public ContentActor ActorOf(ClaimsPrincipal user) => User(user) is { } demo ? new ContentActor(demo.Id, demo.Name) : ContentActor.System;

    public Task<string?> CheckBulkJobAsync(ClaimsPrincipal user, ContentSelection selection, CancellationToken cancellationToken) =>
        Task.FromResult(User(user) switch
        {
            null => "Only backoffice users can change bulk jobs.",
            { ContentSection: false } u => $"{u.Name} has no access to the Content section.",
            { MayPublish: false } u => $"{u.Name} may not publish {(selection.RootKey is { } r ? $"every item under {r}" : "all content")}; a bulk job writes and republishes them.",
            _ => null,
        });

    private static DemoUser? User(ClaimsPrincipal principal) =>
        int.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? DemoUsers.All.FirstOrDefault(u => u.Id == id) : null;
}
