using System.Security.Claims;
using DynamicCot.Plugin.Api;
using DynamicCot.Plugin.Content;
using Umbraco.Cms.Core;
using Umbraco.Cms.Core.Actions;
using Umbraco.Cms.Core.Services;
using Umbraco.Cms.Core.Services.AuthorizationStatus;
using Umbraco.Extensions;

namespace DynamicCot.Plugin.Umbraco;

/// <summary>
/// Bulk job permissions from Umbraco's users: the Content section, and the publish permission on the subtree's root
/// and all its descendants (or on the content root when the job covers a document type or everything).
/// </summary>
public sealed class UmbracoContentPermissions(IUserService users, IContentPermissionService permissions) : IContentPermissions
{
    public ContentActor ActorOf(ClaimsPrincipal user)
    {
        var identity = user.Identity as ClaimsIdentity;
        var id = identity?.GetId();
        return new ContentActor(id, identity?.GetRealName() ?? identity?.Name ?? "unknown user");
    }

    public async Task<string?> CheckBulkJobAsync(ClaimsPrincipal principal, ContentSelection selection, CancellationToken cancellationToken)
    {
        if ((principal.Identity as ClaimsIdentity)?.GetUserKey() is not { } key || await users.GetAsync(key) is not { } user)
            return "Only backoffice users can change bulk jobs.";
        if (!user.AllowedSections.Contains(Constants.Applications.Content))
            return $"{user.Name} has no access to the Content section.";
        var status = selection.RootKey is { } root
            ? await permissions.AuthorizeDescendantsAccessAsync(user, root, ActionPublish.ActionLetter) is var descendants && descendants == ContentAuthorizationStatus.Success
                ? await permissions.AuthorizeAccessAsync(user, root, ActionPublish.ActionLetter)
                : descendants
            : await permissions.AuthorizeRootAccessAsync(user, ActionPublish.ActionLetter);
        return status == ContentAuthorizationStatus.Success
            ? null
            : $"{user.Name} may not publish {(selection.RootKey is { } r ? $"every item under {r}" : "all content")} ({status}); a bulk job writes and republishes them.";
    }
}
