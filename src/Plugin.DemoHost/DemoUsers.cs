using System.Security.Claims;
using System.Text.Encodings.Web;
using DynamicCot.Plugin.Api;
using DynamicCot.Plugin.Content;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.DemoHost;

/// <summary>A demo backoffice user: what Umbraco's user groups would give them.</summary>
/// <param name="Roles">User group aliases ("admin", Umbraco's administrators group, opens the jobs dashboard and may export feedback).</param>
/// <param name="ContentSection">Access to the Content section.</param>
/// <param name="Permissions">Umbraco's permission letters granted on all content (the demo has no tree):
/// browse "F", update "A", publish "U".</param>
public sealed record DemoUser(int Id, string Login, string Name, string[] Roles, bool ContentSection, string Permissions)
{
    public bool IsAdministrator => Roles.Contains("admin");

    public bool Has(char permission) => Permissions.Contains(permission);
}

/// <summary>
/// The demo's stand-in for Umbraco's users and sign-in: fixed users, chosen per request by the <see cref="Header"/>
/// header (or the <see cref="Cookie"/> cookie); a request naming none is the administrator, so the demo page works as
/// it is, and one naming <see cref="Anonymous"/> is not signed in. The demo listens on 127.0.0.1 only.
/// </summary>
public static class DemoUsers
{
    public const string Scheme = "Demo";
    public const string Header = "X-Demo-User";
    public const string Cookie = "demo-user";
    public const string Anonymous = "anonymous";

    // Letters and groups as Umbraco's default user groups grant them: editors browse, update and publish; writers
    // browse and update but only send to publish; translators have the Translation section, not Content.
    public const char Browse = 'F', Update = 'A', Publish = 'U';

    public static readonly IReadOnlyList<DemoUser> All =
    [
        new(1, "admin", "Ada Administrator", ["admin"], ContentSection: true, Permissions: "FAU"),
        new(2, "editor", "Eddie Editor", ["editor"], ContentSection: true, Permissions: "FAU"),
        new(3, "writer", "Wren Writer", ["writer"], ContentSection: true, Permissions: "FA"),
        new(4, "translator", "Tove Translator", ["translator"], ContentSection: false, Permissions: "FA"),
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
        if (string.Equals(login, DemoUsers.Anonymous, StringComparison.OrdinalIgnoreCase)) return Task.FromResult(AuthenticateResult.NoResult());
        return Task.FromResult(DemoUsers.Find(login) is { } user
            ? AuthenticateResult.Success(new AuthenticationTicket(DemoUsers.Principal(user), Scheme.Name))
            : AuthenticateResult.Fail($"No demo user '{login}'; the demo users are {string.Join(", ", DemoUsers.All.Select(u => u.Login))}."));
    }
}

/// <summary>
/// Permissions of the demo users, checked as <c>UmbracoContentPermissions</c> checks Umbraco's: the Content section
/// first, then the permission letter (here granted on all content), or the administrators group.
/// </summary>
public sealed class DemoContentPermissions : IContentPermissions
{
    private const string NotBackofficeUser = "Only backoffice users may use this.";

    public ContentActor ActorOf(ClaimsPrincipal user) => User(user) is { } demo ? new ContentActor(demo.Id, demo.Name) : ContentActor.System;

    public Task<string?> CheckContentSectionAsync(ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Task.FromResult(User(user) is { } u ? SectionRefusal(u) : NotBackofficeUser);

    public Task<string?> CheckItemAsync(ClaimsPrincipal user, Guid contentKey, ContentRight right, CancellationToken cancellationToken) =>
        Task.FromResult(User(user) switch
        {
            null => NotBackofficeUser,
            { ContentSection: false } u => SectionRefusal(u),
            var u when !u.Has(right == ContentRight.Update ? DemoUsers.Update : DemoUsers.Browse) =>
                $"{u.Name} lacks the {right.ToString().ToLowerInvariant()} permission on content item {contentKey}.",
            _ => null,
        });

    public Task<string?> CheckAdministratorAsync(ClaimsPrincipal user, CancellationToken cancellationToken) =>
        Task.FromResult(User(user) switch
        {
            null => NotBackofficeUser,
            { IsAdministrator: false } u => $"{u.Name} is not in the administrators group.",
            _ => null,
        });

    public Task<string?> CheckBulkJobAsync(ClaimsPrincipal user, ContentSelection selection, CancellationToken cancellationToken) =>
        Task.FromResult(User(user) switch
        {
            null => NotBackofficeUser,
            { ContentSection: false } u => SectionRefusal(u),
            var u when !u.Has(DemoUsers.Publish) => $"{u.Name} may not publish {(selection.RootKey is { } r ? $"every item under {r}" : "all content")}; a bulk job writes and republishes them.",
            _ => null,
        });

    private static string? SectionRefusal(DemoUser user) => user.ContentSection ? null : $"{user.Name} has no access to the Content section.";

    private static DemoUser? User(ClaimsPrincipal principal) =>
        int.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? DemoUsers.All.FirstOrDefault(u => u.Id == id) : null;
}
