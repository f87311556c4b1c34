using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using DynamicCot.Plugin.DemoHost;

namespace DynamicCot.Bench.Kill;

/// <summary>
/// One demo host as its own process (the DynamicCot.Plugin.DemoHost.dll beside this bench), so it can be SIGKILLed.
/// Its output is kept (the last lines are printed when a run goes wrong) and its job API is reached over HTTP.
/// </summary>
public sealed partial class DemoNode : IAsyncDisposable
{
    public const string Api = "/umbraco/dynamiccot/api/v1";

    private readonly Process _process;
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];

    public DemoNode(string name, IEnumerable<string> settings)
    {
        Name = name;
        var host = Path.Combine(AppContext.BaseDirectory, typeof(DemoHostApp).Assembly.GetName().Name + ".dll");
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(host);
        info.ArgumentList.Add("--urls=http://127.0.0.1:0");
        foreach (var setting in settings) info.ArgumentList.Add(setting);
        info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        _process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the demo host process.");
        _process.OutputDataReceived += (_, e) => Collect(e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;
    public HttpClient Client { get; private set; } = null!;

    public string OutputTail(int lines)
    {
        lock (_output) return string.Join('\n', _output.TakeLast(lines));
    }

    private void Collect(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
        if (Listening().Match(line) is { Success: true } match) _address.TrySetResult(new Uri(match.Groups[1].Value));
    }

    public async Task StartAsync(TimeSpan timeout)
    {
        var started = await Task.WhenAny(_address.Task, _process.WaitForExitAsync(), Task.Delay(timeout));
        if (started != _address.Task)
            throw new InvalidOperationException($"Demo host {Name} did not start within {timeout.TotalSeconds:0} s (exited: {_process.HasExited}):\n{OutputTail(40)}");
        Client = new HttpClient { BaseAddress = await _address.Task, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task<Guid> StartBulkJobAsync()
    {
        var response = await Client.PostAsJsonAsync($"{Api}/jobs", new { all = true });
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Starting the bulk job: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>The job as GET jobs/{id} shows it, or null while the node cannot answer (its database is down).</summary>
    public async Task<JsonElement?> GetJobAsync(Guid id)
    {
        try
        {
            var response = await Client.GetAsync($"{Api}/jobs/{id}");
            if (!response.IsSuccessStatusCode) return null;
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    public async Task PostAsync(string path)
    {
        var response = await Client.PostAsync($"{Api}/{path}", null);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>SIGKILL: the process ends at once, mid-item, with no chance to hand anything over.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    /// <summary>The resident set of the process now, from /proc (0 once it has exited).</summary>
    public long RssKib()
    {
        try
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        catch (IOException) { return 0; }
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
