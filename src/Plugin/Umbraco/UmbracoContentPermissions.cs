using System.Security.Claims;
using DynamicCot.Plugin.Api;
using DynamicCot.Plugin.Content;
using Umbraco.Cms.Core;
using Umbraco.Cms.Core.Actions;
using Umbraco.Cms.Core.Models.Membership;
using Umbraco.Cms.Core.Services;
using Umbraco.Cms.Core.Services.AuthorizationStatus;
using Umbraco.Extensions;

namespace DynamicCot.Plugin.Umbraco;

/// <summary>
/// Permissions from Umbraco's users: the Content section (Umbraco's document endpoints sit behind section access
/// too), per-node permission letters (browse "F", update "A", publish "U") through <see cref="IContentPermissionService"/>,
/// and the administrators group (<c>UmbracoUserExtensions.IsAdmin</c>). A bulk job needs publish on the subtree's root
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

    public async Task<string?> CheckContentSectionAsync(ClaimsPrincipal principal, CancellationToken cancellationToken) =>
        await UserAsync(principal) is not { } user ? NotBackofficeUser : SectionRefusal(user);

    public async Task<string?> CheckItemAsync(ClaimsPrincipal principal, Guid contentKey, ContentRight right, CancellationToken cancellationToken)
    {
        if (await UserAsync(principal) is not { } user) return NotBackofficeUser;
        if (SectionRefusal(user) is { } refused) return refused;
        var letter = right == ContentRight.Update ? ActionUpdate.ActionLetter : ActionBrowse.ActionLetter;
        var status = await permissions.AuthorizeAccessAsync(user, contentKey, letter);
        return status == ContentAuthorizationStatus.Success ? null : $"{user.Name} lacks the {right.ToString().ToLowerInvariant()} permission on content item {contentKey} ({status}).";
    }

    public async Task<string?> CheckAdministratorAsync(ClaimsPrincipal principal, CancellationToken cancellationToken) =>
        await UserAsync(principal) is not { } user ? NotBackofficeUser
        : user.IsAdmin() ? null
        : $"{user.Name} is not in the administrators group.";

    public async Task<string?> CheckBulkJobAsync(ClaimsPrincipal principal, ContentSelection selection, CancellationToken cancellationToken)
    {
        if (await UserAsync(principal) is not { } user) return NotBackofficeUser;
        if (SectionRefusal(user) is { } refused) return refused;
        var status = selection.RootKey is { } root
            ? await permissions.AuthorizeDescendantsAccessAsync(user, root, ActionPublish.ActionLetter) is var descendants && descendants == ContentAuthorizationStatus.Success
                ? await permissions.AuthorizeAccessAsync(user, root, ActionPublish.ActionLetter)
                : descendants
            : await permissions.AuthorizeRootAccessAsync(user, ActionPublish.ActionLetter);
        return status == ContentAuthorizationStatus.Success
            ? null
            : $"{user.Name} may not publish {(selection.RootKey is { } r ? $"every item under {r}" : "all content")} ({status}); a bulk job writes and republishes them.";
    }

    private const string NotBackofficeUser = "Only backoffice users may use this.";

    private async Task<IUser?> UserAsync(ClaimsPrincipal principal) =>
        (principal.Identity as ClaimsIdentity)?.GetUserKey() is { } key ? await users.GetAsync(key) : null;

    private static string? SectionRefusal(IUser user) =>
        user.AllowedSections.Contains(Constants.Applications.Content) ? null : $"{user.Name} has no access to the Content section.";
}
