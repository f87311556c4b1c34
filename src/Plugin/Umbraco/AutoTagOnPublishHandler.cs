using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Jobs;
using DynamicCot.Plugin.Tagging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Umbraco.Cms.Core.Events;
using Umbraco.Cms.Core.Notifications;
using Umbraco.Cms.Core.Security;

namespace DynamicCot.Plugin.Umbraco;

/// <summary>
/// Enqueues auto-tag jobs for published items of configured document types. The model runs in the job, not here:
/// changing content during publishing is not saved, and inference would block the editor's request.
/// </summary>
public sealed class AutoTagOnPublishHandler(
    IAutoTagQueue queue,
    IOptions<DynamicCotOptions> options,
    ILogger<AutoTagOnPublishHandler> logger,
    IBackOfficeSecurityAccessor? backOffice = null)
    : INotificationAsyncHandler<ContentPublishedNotification>
{
    public async Task HandleAsync(ContentPublishedNotification notification, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.AutoTagOnPublish) return;
        if (SelfPublishGuard.IsActive)
        {
            logger.LogDebug("Ignoring the plugin's own publish of tags");
            return;
        }
        // The tags are written in the name of the editor who published (the audit trail says who), else the system's.
        var user = backOffice?.BackOfficeSecurity?.CurrentUser;
        var actor = user is null ? ContentActor.System : new ContentActor(user.Id, user.Name ?? user.Username);
        foreach (var content in notification.PublishedEntities)
        {
            if (!settings.DocumentTypes.ContainsKey(content.ContentType.Alias)) continue;
            await queue.EnqueueAsync(content.Key, actor, cancellationToken);
        }
    }
}
