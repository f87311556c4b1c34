using DynamicCot.Plugin.Api;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.DemoHost;

public sealed record PublishRequest(IReadOnlyList<string>? Tags);

/// <summary>The demo's stand-in for the CMS editor: list items, serve their images, save tags and publish.</summary>
public static class DemoEndpoints
{
    public static void Map(WebApplication app)
    {
        var demo = app.MapGroup("/demo/api");
        demo.MapGet("/content", (DemoContentStore store) => store.List());
        // The demo's audit trail of the plugin's tag writes: who, where to (draft or republish), which process.
        demo.MapGet("/tag-writes", (DemoContentStore store) => store.Writes());
        demo.MapGet("/content/{key:guid}", Results<Ok<DemoItem>, ProblemHttpResult> (Guid key, DemoContentStore store) =>
            store.Find(key) is { } item ? TypedResults.Ok(item) : TypedResults.Problem($"No demo item has the key {key}.", statusCode: 404));

        // Publishing is where Umbraco raises ContentPublishedNotification; the demo enqueues auto-tag the same way.
        demo.MapPost("/content/{key:guid}/publish", async Task<Results<Ok<DemoItem>, ProblemHttpResult>> (
            Guid key, PublishRequest request, DemoContentStore store, IAutoTagQueue queue, IOptions<DynamicCotOptions> options,
            IContentPermissions permissions, HttpContext http, CancellationToken ct) =>
        {
            if (store.Find(key) is not { } item) return TypedResults.Problem($"No demo item has the key {key}.", statusCode: 404);
            if (item.State == PublishState.Trashed) return TypedResults.Problem($"Demo item {key} is in the recycle bin.", statusCode: 409);
            store.SetTagsAndPublish(key, request.Tags ?? item.Tags);
            if (options.Value.AutoTagOnPublish) await queue.EnqueueAsync(key, permissions.ActorOf(http.User), ct);
            return TypedResults.Ok(store.Find(key)!);
        });

        app.MapGet("/demo/media/{**path}", (string path, FolderMediaBytesSource media) =>
            media.Resolve(path) is { } file ? Results.File(file, ContentType(file)) : Results.NotFound());
    }

    private static string ContentType(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".gif" => "image/gif",
        ".webp" => "image/webp",
        _ => "image/jpeg",
    };
}
