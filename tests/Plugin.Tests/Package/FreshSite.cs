using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Plugin.Tests.Package;

/// <summary>
/// A new ASP.NET Core web project, outside the repository (none of its build settings or central package versions
/// apply), that installs <c>DynamicCot.Umbraco</c> from a folder feed as a site would: a NuGet.config with that feed
/// first and this machine's configured registry after it. Its Program.cs does what a host without Umbraco must: the
/// plugin's registration, the CMS adapter (here: no content, no media, everyone may) and the backoffice policy the API
/// requires (here: every request is a signed-in user; it listens on 127.0.0.1 only).
/// </summary>
public sealed class FreshSite
{
    public FreshSite(string folder) => Folder = folder;

    public string Folder { get; }

    public async Task WriteAsync(string feed, string packageVersion)
    {
        var registries = await ConfiguredRegistriesAsync();
        Assert.NotEmpty(registries);
        var sources = string.Join("\n", registries.Select((url, i) => $"""    <add key="registry{i}" value="{SecurityElement.Escape(url)}" />"""));
        File.WriteAllText(Path.Combine(Folder, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{SecurityElement.Escape(feed)}" />
            {sources}
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(Folder, "Site.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{PluginPackages.SitePackageId}" Version="{packageVersion}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(Folder, "Program.cs"), ProgramSource);
    }

    /// <summary>The enabled package sources of this machine's NuGet configuration, as the dotnet CLI lists them.</summary>
    private async Task<IReadOnlyList<string>> ConfiguredRegistriesAsync()
    {
        var listed = await DotnetCli.RunAsync(Folder, TimeSpan.FromMinutes(1), "nuget", "list", "source", "--format", "short");
        Assert.True(listed.ExitCode == 0, listed.Output);
        // Lines look like "E https://api.nuget.org/v3/index.json" (E = enabled, D = disabled).
        return listed.Output.Split('\n', StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("E ", StringComparison.Ordinal))
            .Select(l => l[2..].Trim())
            .ToList();
    }

    public Task<CliResult> BuildAsync() =>
        DotnetCli.RunAsync(Folder, TimeSpan.FromMinutes(4), "build", "Site.csproj", "-c", "Release", "-nologo");

    public string Output => Path.Combine(Folder, "bin", "Release", "net10.0");

    /// <summary>Starts the built site on a free 127.0.0.1 port, in Development (static web assets from packages are
    /// served from the package folders until the site is published), with <paramref name="settings"/> as command-line
    /// configuration.</summary>
    public RunningSite Start(IReadOnlyDictionary<string, string> settings)
    {
        var port = FreePort();
        var arguments = new List<string> { Path.Combine(Output, "Site.dll"), $"--urls=http://127.0.0.1:{port}" };
        arguments.AddRange(settings.Select(s => $"--{s.Key}={s.Value}"));
        var process = DotnetCli.Start(Folder, arguments, new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" });
        return new RunningSite(process, new Uri($"http://127.0.0.1:{port}/"));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private const string ProgramSource = """
        using System.Security.Claims;
        using System.Text.Encodings.Web;
        using DynamicCot.Keyphrases.Suggestions;
        using DynamicCot.Plugin;
        using DynamicCot.Plugin.Api;
        using DynamicCot.Plugin.Content;
        using DynamicCot.Plugin.Serving;
        using Microsoft.AspNetCore.Authentication;
        using Microsoft.Extensions.Options;

        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddDynamicCot(builder.Configuration, builder.Environment.ContentRootPath, LlamaSuggesterFactory.Create);
        builder.Services.AddSingleton<IContentRepository, NoContent>();
        builder.Services.AddSingleton<IMediaBytesSource, NoMedia>();
        builder.Services.AddSingleton<IContentPermissions, EveryoneMay>();
        builder.Services.AddAuthentication("Site").AddScheme<AuthenticationSchemeOptions, SiteUser>("Site", null);
        builder.Services.AddAuthorization(o => o.AddPolicy(DynamicCotAuthorization.Policy, p => p.RequireAuthenticatedUser()));

        var app = builder.Build();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapControllers();
        app.Run();

        sealed class SiteUser(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
            : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
        {
            protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(
                new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "1"), new Claim(ClaimTypes.Name, "site editor")], Scheme.Name)),
                Scheme.Name)));
        }

        sealed class NoContent : IContentRepository
        {
            public Task<TaggableItem?> GetAsync(Guid key, CancellationToken cancellationToken) => Task.FromResult<TaggableItem?>(null);
            public Task<IReadOnlyList<Guid>> ListKeysAsync(ContentSelection selection, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<Guid>>([]);
            public Task<TagUpdate> UpdateTagsAsync(Guid key, TagMergeStep merge, ContentActor actor, CancellationToken cancellationToken) =>
                throw new InvalidOperationException("This site has no content.");
        }

        sealed class NoMedia : IMediaBytesSource
        {
            public Task<ImageInput?> ReadAsync(string imageReference, CancellationToken cancellationToken) => Task.FromResult<ImageInput?>(null);
        }

        sealed class EveryoneMay : IContentPermissions
        {
            public ContentActor ActorOf(ClaimsPrincipal user) => new(1, user.Identity?.Name ?? "site editor");
            public Task<string?> CheckContentSectionAsync(ClaimsPrincipal user, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
            public Task<string?> CheckItemAsync(ClaimsPrincipal user, Guid contentKey, ContentRight right, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
            public Task<string?> CheckAdministratorAsync(ClaimsPrincipal user, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
            public Task<string?> CheckBulkJobAsync(ClaimsPrincipal user, ContentSelection selection, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
        }
        """;
}

/// <summary>The site's process, its output kept for failure messages; killed with its children when disposed.</summary>
public sealed class RunningSite : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    public RunningSite(Process process, Uri address)
    {
        _process = process;
        Address = address;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Address { get; }
    public bool HasExited => _process.HasExited;

    public string Output { get { lock (_output) return _output.ToString(); } }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
