using DynamicCot.Plugin.Api;
using DynamicCot.Plugin.Configuration;
using DynamicCot.Plugin.Content;
using DynamicCot.Plugin.Jobs;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace DynamicCot.Plugin.DemoHost;

/// <summary>Builds the demo web application; tests build it too, with their own suggester and folders.</summary>
public static class DemoHostApp
{
    /// <param name="configureServices">Runs last, so a test can replace any registration (e.g. the suggester).</param>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]) && string.IsNullOrWhiteSpace(builder.Configuration["Urls"]))
            builder.WebHost.UseUrls("http://127.0.0.1:5080");

        var contentRoot = builder.Environment.ContentRootPath;
        var dataFolder = DemoPaths.FindDataFolder(builder.Configuration["Demo:DataFolder"], contentRoot);
        var stateFolder = Path.GetFullPath(builder.Configuration["Demo:StateFolder"] is { Length: > 0 } s ? s : "App_Data", contentRoot);

        var store = new DemoContentStore(Path.Combine(stateFolder, "content.db"));
        DemoSeeder.Seed(store, dataFolder);
        var media = new FolderMediaBytesSource(dataFolder);

        var modelCache = builder.Configuration["Demo:ModelCache"] is { Length: > 0 } cache ? Path.GetFullPath(cache, contentRoot) : DemoModelBootstrap.DefaultCacheFolder();
        builder.Services.AddSingleton(sp => new DemoModelBootstrap(modelCache, dataFolder, sp.GetRequiredService<ILogger<DemoModelBootstrap>>()));
        builder.Services.AddDynamicCot(builder.Configuration, contentRoot, DemoSuggesterRegistration.Create);
        builder.Services.AddSingleton<IContentPermissions, DemoContentPermissions>();
        builder.Services.AddHostedService<DemoModelWarmUp>();
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton<IContentRepository>(store);
        builder.Services.AddSingleton(media);
        builder.Services.AddSingleton<IMediaBytesSource>(media);
        // Umbraco's backoffice sign-in and policy do not exist here: demo users stand in (the demo listens on loopback only).
        builder.Services.AddAuthentication(DemoUsers.Scheme).AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, DemoAuthenticationHandler>(DemoUsers.Scheme, null);
        builder.Services.AddAuthorization(o => o.AddPolicy(DynamicCotAuthorization.Policy, p => p.RequireAuthenticatedUser()));
        builder.Services.AddProblemDetails();
        // The content API shows publish states and write results by name.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        UsePluginAssets(app, contentRoot);
        app.UseAuthentication();
        app.UseDynamicCotJobsDashboard();
        app.UseAuthorization();
        app.MapControllers();
        DemoEndpoints.Map(app);
        return app;
    }

    /// <summary>Folder (under the content root) holding the plugin's built web components, see the project file.</summary>
    public const string PluginAssetsFolder = "plugin-assets";

    // The page degrades with a message when the bundle is missing, so a missing folder is not an error here.
    private static void UsePluginAssets(WebApplication app, string contentRoot)
    {
        var folder = Path.Combine(contentRoot, PluginAssetsFolder);
        if (!Directory.Exists(folder)) return;
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(folder) });
    }
}
