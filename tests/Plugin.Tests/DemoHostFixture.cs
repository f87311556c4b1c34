using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.DemoHost;
using DynamicCot.Plugin.Tests.TestDoubles;
using DynamicCot.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace DynamicCot.Plugin.Tests;

/// <summary>The real demo host on a free 127.0.0.1 port, state in a temp folder, with the test double engine.</summary>
public class DemoHostFixture : IAsyncLifetime
{
    public DemoHostFixture() : this(new WordSuggester()) { }

    protected DemoHostFixture(WordSuggester suggester) => Suggester = suggester;

    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-demo");
    private WebApplication? _app;

    public WordSuggester Suggester { get; }
    public HttpClient Client { get; private set; } = null!;
    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        _app = DemoHostApp.Build(
        [
            "--urls=http://127.0.0.1:0",
            $"--Demo:DataFolder={TestPaths.SharedData}",
            $"--Demo:StateFolder={_folder.Path}",
            $"--DynamicCot:JobStore:SqliteFolder={Path.Combine(_folder.Path, "jobs")}",
            "--DynamicCot:MinConfidence=0",
            "--DynamicCot:Throttle:MaxItemsPerSecond=1000",
            "--Logging:LogLevel:Default=Warning",
        ], services => services.AddSingleton<IKeyphraseSuggester>(Suggester));
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Client = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _folder.Dispose();
    }
}

/// <summary>A second demo host with its own engine behaviour, disposed by the test that made it.</summary>
public sealed class DemoHostFixtureWith(WordSuggester suggester) : DemoHostFixture(suggester), IAsyncDisposable
{
    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();
}
