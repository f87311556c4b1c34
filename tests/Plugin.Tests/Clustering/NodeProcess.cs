using System.Diagnostics;
using System.Text.RegularExpressions;
using DynamicCot.Plugin.DemoHost;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Plugin.Tests.Clustering;

/// <summary>
/// One demo host as its own process (the built DynamicCot.Plugin.DemoHost.dll), so a test can SIGKILL it. Its engine
/// is the demo's stand-in (no model), slowed down so a job is still running when the node is killed.
/// </summary>
public sealed partial class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];

    public NodeProcess(string name, string connectionString, string stateFolder, int engineDelayMilliseconds)
    {
        Name = name;
        var host = Path.Combine(AppContext.BaseDirectory, typeof(DemoHostApp).Assembly.GetName().Name + ".dll");
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            host, "--urls=http://127.0.0.1:0", $"--Demo:DataFolder={TestPaths.SharedData}", $"--Demo:StateFolder={stateFolder}",
            "--Demo:StandInEngine:Enabled=true", $"--Demo:StandInEngine:DelayMilliseconds={engineDelayMilliseconds}",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
        }.Concat(ClusterNode.NodeSettings(name, connectionString)))
            info.ArgumentList.Add(argument);
        info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        _process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the demo host process.");
        _process.OutputDataReceived += (_, e) => Collect(e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }
    public HttpClient Client { get; private set; } = null!;
    public bool HasExited => _process.HasExited;

    private void Collect(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
        if (Listening().Match(line) is { Success: true } match) _address.TrySetResult(new Uri(match.Groups[1].Value));
    }

    public string Output { get { lock (_output) return string.Join('\n', _output); } }

    public async Task StartAsync(TimeSpan timeout)
    {
        var started = await Task.WhenAny(_address.Task, _process.WaitForExitAsync(), Task.Delay(timeout));
        if (started != _address.Task)
            throw new InvalidOperationException($"Demo host {Name} did not start within {timeout.TotalSeconds:0} s (exited: {_process.HasExited}). Output:\n{Output}");
        Client = new HttpClient { BaseAddress = await _address.Task, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>SIGKILL: the process ends at once, mid-item, with no chance to hand anything over.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"DynamicCot demo: open (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();
}
