using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;

namespace DynamicCot.Plugin.Api;

/// <summary>
/// The right each API action needs, one check per action (the README's rights table lists them). Anonymous requests
/// never get here: the controllers' backoffice policy answers them 401 first. A refusal is 403 problem details whose
/// title and <c>action</c> member name the action.
/// </summary>
public sealed class ApiActions(IContentPermissions permissions)
{
    public Task<ObjectResult?> SuggestForItemAsync(ClaimsPrincipal user, Guid contentKey, CancellationToken ct) =>
        Refuse("suggest.item", "suggest keyphrases for this content item", permissions.CheckItemAsync(user, contentKey, ContentRight.Browse, ct));

    public Task<ObjectResult?> SuggestForTextAsync(ClaimsPrincipal user, CancellationToken ct) =>
        Refuse("suggest.text", "suggest keyphrases for free text", permissions.CheckContentSectionAsync(user, ct));

    public Task<ObjectResult?> ReadRejectionsAsync(ClaimsPrincipal user, Guid contentKey, CancellationToken ct) =>
        Refuse("feedback.read", "read this item's rejected tags", permissions.CheckItemAsync(user, contentKey, ContentRight.Browse, ct));

    /// <summary>Feedback on an item changes what auto-tag and bulk jobs write to it, so it needs the right to save it.</summary>
    public Task<ObjectResult?> WriteFeedbackAsync(ClaimsPrincipal user, Guid contentKey, CancellationToken ct) =>
        Refuse("feedback.write", "record or clear feedback for this content item", permissions.CheckItemAsync(user, contentKey, ContentRight.Update, ct));

    /// <summary>Feedback on free text touches no item: the Content section is enough.</summary>
    public Task<ObjectResult?> WriteTextFeedbackAsync(ClaimsPrincipal user, CancellationToken ct) =>
        Refuse("feedback.write", "record feedback for free text", permissions.CheckContentSectionAsync(user, ct));

    /// <summary>The export holds every stored post text, whoever may read the items now.</summary>
    public Task<ObjectResult?> ExportFeedbackAsync(ClaimsPrincipal user, CancellationToken ct) =>
        Refuse("feedback.export", "export feedback", permissions.CheckAdministratorAsync(user, ct));

    /// <summary>Rejections on every item change what jobs write everywhere, whoever may edit the items.</summary>
    public Task<ObjectResult?> ClearAllRejectionsAsync(ClaimsPrincipal user, CancellationToken ct) =>
        Refuse("feedback.clear-all", "clear rejections on all items", permissions.CheckAdministratorAsync(user, ct));

    private static async Task<ObjectResult?> Refuse(string action, string description, Task<string?> check)
    {
        return await check is { } reason ? ApiProblems.Forbidden(action, $"Not allowed to {description}", reason) : null;
    }
}
