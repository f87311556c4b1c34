using Microsoft.Extensions.DependencyInjection;
using System.ComponentModel;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Tagging;
using Hangfire;
using Microsoft.Extensions.Logging;

namespace DynamicCot.Plugin.Jobs;

/// <summary>
/// Tags one item after it was published (enqueued by <see cref="AutoTagQueue"/>). Transient failures (engine busy or
/// warming up, database hiccups) are retried with growing delays; an item that cannot be tagged (gone, trashed, document
/// type not configured, nothing to suggest from) completes as skipped; other bad input fails at once, since retrying
/// cannot fix it.
/// </summary>
public sealed class AutoTagJob(ContentTagger tagger, ILogger<AutoTagJob> logger)
{
    [Queue(JobQueues.Name)]
    [DisplayName("Auto-tag {0}")]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 30, 60, 300, 900],
        ExceptOn = [typeof(SuggestionInputException)])]
    public async Task RunAsync(Guid contentKey, int? userId, string userName, CancellationToken cancellationToken)
    {
        TagOutcome outcome;
        try
        {
            outcome = await tagger.TagAsync(contentKey, new ContentActor(userId, userName), cancellationToken);
        }
        catch (ContentNotTaggableException ex)
        {
            logger.LogInformation("Auto-tag {Key}: skipped, {Reason}", contentKey, ex.Message);
            return;
        }
        logger.LogInformation("Auto-tag {Key}: {Outcome} {Write}", contentKey, outcome.Kind, outcome.Write);
    }
}

/// <summary>Queues auto-tag work for published items.</summary>
public interface IAutoTagQueue
{
    /// <param name="actor">The user whose publish asked for it; the tags are written in their name.</param>
    /// <returns>The background job's id.</returns>
    Task<string> EnqueueAsync(Guid contentKey, ContentActor actor, CancellationToken cancellationToken);
}

/// <summary>One Hangfire job per publish; job arguments are ids and plain values only (they are stored as JSON).</summary>
public sealed class AutoTagQueue([FromKeyedServices(PluginHangfire.Key)] IBackgroundJobClient client) : IAutoTagQueue
{
    public Task<string> EnqueueAsync(Guid contentKey, ContentActor actor, CancellationToken cancellationToken) =>
        Task.FromResult(client.Enqueue<AutoTagJob>(job => job.RunAsync(contentKey, actor.UserId, actor.Name, CancellationToken.None)));
}
