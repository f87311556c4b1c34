using System.Security.Claims;
using DynamicCot.Plugin.Content;

namespace DynamicCot.Plugin.Api;

/// <summary>
/// What the CMS lets a signed-in user do with bulk jobs, and who they are for its audit trail. Umbraco's
/// implementation reads the user's sections and publish permission; the demo host has fixed demo users.
/// </summary>
public interface IContentPermissions
{
    /// <summary>The user as the CMS's audit trail names them.</summary>
    ContentActor ActorOf(ClaimsPrincipal user);

    /// <summary>
    /// Starting, pausing, resuming, restarting or cancelling a bulk job needs access to the content section and the
    /// right to publish every item of the selection (the subtree, or the whole content tree).
    /// </summary>
    /// <returns>Null when allowed, else why not (shown to the user).</returns>
    Task<string?> CheckBulkJobAsync(ClaimsPrincipal user, ContentSelection selection, CancellationToken cancellationToken);
}
