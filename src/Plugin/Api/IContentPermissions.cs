using System.Security.Claims;
using DynamicCot.Plugin.Content;

namespace DynamicCot.Plugin.Api;

/// <summary>A per-item content permission, as Umbraco's user groups grant them per node.</summary>
public enum ContentRight
{
    /// <summary>Umbraco's browse permission ("F"): see the item and read it.</summary>
    Browse,

    /// <summary>Umbraco's update permission ("A"): save the item.</summary>
    Update,
}

/// <summary>
/// What the CMS lets a signed-in user do, and who they are for its audit trail. Umbraco's implementation reads the
/// user's sections, groups and per-node permissions; the demo host has fixed demo users.
/// Each check returns null when allowed, else why not (shown to the user).
/// </summary>
public interface IContentPermissions
{
    /// <summary>The user as the CMS's audit trail names them.</summary>
    ContentActor ActorOf(ClaimsPrincipal user);

    /// <summary>Access to the Content section.</summary>
    Task<string?> CheckContentSectionAsync(ClaimsPrincipal user, CancellationToken cancellationToken);

    /// <summary>The Content section and <paramref name="right"/> on the item.</summary>
    Task<string?> CheckItemAsync(ClaimsPrincipal user, Guid contentKey, ContentRight right, CancellationToken cancellationToken);

    /// <summary>Membership of the administrators group (Umbraco's "admin").</summary>
    Task<string?> CheckAdministratorAsync(ClaimsPrincipal user, CancellationToken cancellationToken);

    /// <summary>
    /// Starting, pausing, resuming, restarting or cancelling a bulk job needs access to the content section and the
    /// right to publish every item of the selection (the subtree, or the whole content tree).
    /// </summary>
    Task<string?> CheckBulkJobAsync(ClaimsPrincipal user, ContentSelection selection, CancellationToken cancellationToken);
}
