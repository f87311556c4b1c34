using System.Collections.Concurrent;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Plugin.DemoHost;
using DynamicCot.Plugin.Tests.TestDoubles;
using DynamicCot.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace DynamicCot.Plugin.Tests.Clustering;

/// <summary>What each node's engine finished: one entry per completed suggestion, shared by all nodes of a test.</summary>
public sealed class SuggestionLedger
{
    public ConcurrentQueue<(string Node, string Text)> Completed { get; } = new();

    public int CountFor(string node) => Completed.Count(c => c.Node == node);
}

/// <summary>
/// TEST DOUBLE of the engine for one cluster node: the <see cref="WordSuggester"/> answers, and each suggestion that
/// completes (not one cancelled by a stopping node) is entered in the shared ledger under this node's name.
/// </summary>
public sealed class NodeRecordingSuggester(string node, WordSuggester inner, SuggestionLedger ledger) : IKeyphraseSuggester
{
    public async Task<SuggestionResult> SuggestAsync(string text, ImageInput? image, SuggestionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var result = await inner.SuggestAsync(text, image, options, cancellationToken);
        ledger.Completed.Enqueue((node, text));
        return result;
    }
}

/// <summary>
/// One demo host (the real web app on a free 127.0.0.1 port) in this process, as a node of a PostgreSQL job store.
/// Nodes of one test share the demo's state folder, so they share its content database, as web farm nodes share the
/// CMS database; its write log counts every tag write across nodes.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    public ClusterNode(string name, string connectionString, string stateFolder, WordSuggester engine, SuggestionLedger ledger, params string[] settings)
    {
        Name = name;
        Engine = engine;
        _app = DemoHostApp.Build(
        [
            "--urls=http://127.0.0.1:0",
            $"--Demo:DataFolder={TestPaths.SharedData}",
            $"--Demo:StateFolder={stateFolder}",
            .. NodeSettings(name, connectionString),
            .. settings,
        ], services => services.AddSingleton<IKeyphraseSuggester>(new NodeRecordingSuggester(name, engine, ledger)));
    }

    /// <summary>The settings every node of a test gets: the shared store, its own server name, short timeouts.</summary>
    public static string[] NodeSettings(string name, string connectionString) =>
    [
        "--DynamicCot:JobStore:Provider=Postgres",
        $"--DynamicCot:JobStore:ConnectionString={connectionString}",
        $"--DynamicCot:JobStore:ServerName={name}",
        "--DynamicCot:JobStore:InvisibilityTimeout=00:00:08",
        "--DynamicCot:JobStore:ItemLease=00:00:03",
        "--DynamicCot:MinConfidence=0",
        "--DynamicCot:Throttle:MaxItemsPerSecond=1000",
        "--DynamicCot:Throttle:BulkBatchSize=4",
        "--Logging:LogLevel:Default=Warning",
    ];

    public string Name { get; }
    public WordSuggester Engine { get; }
    public HttpClient Client { get; private set; } = null!;
    public IServiceProvider Services => _app.Services;
    public bool IsRunning => Client is not null && !_stopped;

    public async Task StartAsync()
    {
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>A graceful stop, as when a server is taken out of the farm.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _app.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        await StopAsync();
        await _app.DisposeAsync();
    }
}
