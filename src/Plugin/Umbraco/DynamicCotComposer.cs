using DynamicCot.Plugin.Api;
using DynamicCot.Plugin.Content;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Umbraco.Cms.Core.Composing;
using Umbraco.Cms.Core.DependencyInjection;
using Umbraco.Cms.Core.Notifications;

namespace DynamicCot.Plugin.Umbraco;

/// <summary>
/// Wires the plugin into an Umbraco site (discovered automatically): options from the <c>DynamicCot</c> section,
/// Hangfire jobs and dashboard, the HTTP API, the Umbraco content adapter and auto-tag on publish. The engine is the llama.cpp engine
/// built from <c>DynamicCot:Engine</c> (model and mmproj paths); without a model path, suggest answers "no model
/// configured". A site may register its own <see cref="Keyphrases.Suggestions.IKeyphraseSuggester"/> after this composer.
/// </summary>
public sealed class DynamicCotComposer : IComposer
{
    public void Compose(IUmbracoBuilder builder)
    {
        var contentRoot = builder.Config[HostDefaults.ContentRootKey] is { Length: > 0 } root ? root : Directory.GetCurrentDirectory();
        builder.Services.AddDynamicCot(builder.Config, contentRoot, Serving.LlamaSuggesterFactory.Create);
        builder.Services.TryAddSingleton<UmbracoTagFormats>();
        builder.Services.TryAddSingleton<IContentRepository, UmbracoContentRepository>();
        builder.Services.TryAddSingleton<IMediaBytesSource, UmbracoMediaBytesSource>();
        builder.Services.TryAddSingleton<IContentPermissions, UmbracoContentPermissions>();
        builder.Services.AddTransient<IStartupFilter, JobsDashboardStartupFilter>();
        builder.AddNotificationAsyncHandler<ContentPublishedNotification, AutoTagOnPublishHandler>();
    }
}
