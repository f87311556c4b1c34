// Soak: N suggestions at C concurrent against the demo host (a separate process, the real engine on a model given or
// a tiny real-architecture one made here), its RSS sampled every 10 s, latency percentiles and status shares printed.
//   dotnet run -c Release --project bench/Soak -- --host-dll src/Plugin.DemoHost/bin/Release/net10.0/DynamicCot.Plugin.DemoHost.dll
//     [--requests 10000] [--concurrency 32] [--image-share 0.25] [--model lm.gguf --mmproj mmproj.gguf] [--threads 2] [--parallel 8]
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;

var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a[2..], p => p.i + 1 < args.Length ? args[p.i + 1] : "");
string Option(string name, string fallback) => options.TryGetValue(name, out var value) ? value : fallback;
var requests = int.Parse(Option("requests", "10000"));
var concurrency = int.Parse(Option("concurrency", "32"));
var imageShare = double.Parse(Option("image-share", "0.25"), System.Globalization.CultureInfo.InvariantCulture);
var data = Path.GetFullPath(Option("data", "../shared/data"));
var hostDll = Path.GetFullPath(Option("host-dll", "src/Plugin.DemoHost/bin/Release/net10.0/DynamicCot.Plugin.DemoHost.dll"));
var work = Directory.CreateTempSubdirectory("dynamiccot-soak-").FullName;

var (model, projector) = (Option("model", ""), Option("mmproj", ""));
if (model.Length == 0)
{
    // A tiny Qwen2-VL of the real architecture (random weights), as the tests make it: same code paths, small cost.
    var checkpoint = Path.Combine(work, "tiny");
    TinyQwenVlFactory.Create(checkpoint, new TinyModelOptions { Architecture = QwenVlArchitecture.Qwen2Vl, Seed = 7 }, TinyCorpus.Read(TinyCorpus.DefaultFiles()));
    (model, projector) = (Path.Combine(work, "lm.gguf"), Path.Combine(work, "mmproj.gguf"));
    QwenVlGgufConverter.Convert(checkpoint, model, projector, new ConversionOptions { OutputType = GgufOutputType.F32 });
}

var port = FreePort();
var host = Process.Start(new ProcessStartInfo("dotnet")
{
    ArgumentList =
    {
        hostDll, $"--urls=http://127.0.0.1:{port}", $"--Demo:DataFolder={data}", $"--Demo:StateFolder={Path.Combine(work, "state")}",
        $"--DynamicCot:JobStore:SqliteFolder={Path.Combine(work, "jobs")}", $"--DynamicCot:Engine:ModelPath={model}",
        $"--DynamicCot:Engine:MmprojPath={projector}", $"--DynamicCot:Engine:Threads={Option("threads", "2")}",
        $"--DynamicCot:Engine:ParallelRequests={Option("parallel", "8")}", "--DynamicCot:Engine:Thinking=Off",
        "--DynamicCot:AutoTagOnPublish=false", "--Logging:LogLevel:Default=Warning",
    },
    Environment = { ["OMP_WAIT_POLICY"] = "PASSIVE" },
    RedirectStandardOutput = true,
    RedirectStandardError = true,
})!;
host.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.Error.WriteLine($"host: {e.Data}"); };
host.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.Error.WriteLine($"host: {e.Data}"); };
host.BeginOutputReadLine();
host.BeginErrorReadLine();

using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };
var posts = File.ReadLines(Path.Combine(data, "vmu16_small_events", "data.jsonl"))
    .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text_raw").GetString()!).ToArray();
var images = Directory.GetFiles(Path.Combine(data, "flickr10", "images"), "*.jpg").Select(File.ReadAllBytes).ToArray();
var rss = new List<(double Seconds, long Kib, long AnonKib)>();
var clock = Stopwatch.StartNew();

try
{
    await WaitUntilUpAsync();
    Console.WriteLine($"host pid {host.Id} up after {clock.Elapsed.TotalSeconds:F1} s; load {File.ReadAllText("/proc/loadavg").Trim()}");
    using var sampling = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            rss.Add((clock.Elapsed.TotalSeconds, ReadRssKib(host.Id), ReadAnonymousKib(host.Id)));
            try { await Task.Delay(TimeSpan.FromSeconds(10), sampling.Token); } catch (OperationCanceledException) { }
        }
    });

    var latencies = new List<(int Status, double Ms)>();
    var gate = new SemaphoreSlim(concurrency);
    var started = clock.Elapsed;
    var tasks = Enumerable.Range(0, requests).Select(async i =>
    {
        await gate.WaitAsync();
        try
        {
            using var form = new MultipartFormDataContent { { new StringContent(posts[i % posts.Length]), "text" } };
            if ((i * 7919 % 1000) / 1000.0 < imageShare)
            {
                var file = new ByteArrayContent(images[i % images.Length]);
                file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                form.Add(file, "image", "photo.jpg");
            }
            var watch = Stopwatch.StartNew();
            int status;
            try
            {
                using var response = await client.PostAsync("/umbraco/dynamiccot/api/v1/suggest", form);
                await response.Content.ReadAsByteArrayAsync();
                status = (int)response.StatusCode;
            }
            catch (HttpRequestException)
            {
                status = 0;
            }
            lock (latencies)
            {
                latencies.Add((status, watch.Elapsed.TotalMilliseconds));
                if (latencies.Count % 1000 == 0)
                    Console.WriteLine($"{latencies.Count} done at {clock.Elapsed.TotalSeconds:F0} s, RSS {ReadRssKib(host.Id) / 1024} MiB");
            }
        }
        finally
        {
            gate.Release();
        }
    }).ToList();
    await Task.WhenAll(tasks);
    var wall = (clock.Elapsed - started).TotalSeconds;
    await Task.Delay(TimeSpan.FromSeconds(10));
    sampling.Cancel();
    await sampler;

    var ok = latencies.Where(l => l.Status == 200).Select(l => l.Ms).Order().ToArray();
    double Percentile(double p) => ok.Length == 0 ? double.NaN : ok[Math.Min(ok.Length - 1, (int)Math.Ceiling(p * ok.Length) - 1)];
    Console.WriteLine($"{requests} requests at {concurrency} concurrent ({imageShare:P0} with a photo) in {wall:F0} s: {requests / wall:F1} req/s");
    foreach (var group in latencies.GroupBy(l => l.Status).OrderBy(g => g.Key))
        Console.WriteLine($"  status {group.Key}: {group.Count()} ({100.0 * group.Count() / requests:F1} %)");
    Console.WriteLine($"  200 latency p50 {Percentile(0.50):F0} ms, p95 {Percentile(0.95):F0} ms, max {ok.LastOrDefault():F0} ms");
    Console.WriteLine($"  RSS every 10 s (MiB): {string.Join(" ", rss.Select(r => r.Kib / 1024))}");
    // Anonymous memory (heaps: the GC's and native allocations) apart from mapped files (libraries, the model).
    Console.WriteLine($"  anonymous every 10 s (MiB): {string.Join(" ", rss.Select(r => r.AnonKib / 1024))}");
    Console.WriteLine($"  load at the end {File.ReadAllText("/proc/loadavg").Trim()}");
}
finally
{
    host.Kill(entireProcessTree: true);
    await host.WaitForExitAsync();
    Directory.Delete(work, recursive: true);
}

async Task WaitUntilUpAsync()
{
    while (true)
    {
        if (host.HasExited) throw new InvalidOperationException($"the demo host exited with {host.ExitCode}");
        try
        {
            using var form = new MultipartFormDataContent { { new StringContent("warm up"), "text" } };
            using var response = await client.PostAsync("/umbraco/dynamiccot/api/v1/suggest", form);
            if (response.StatusCode == HttpStatusCode.OK) return;
        }
        catch (HttpRequestException)
        {
        }
        await Task.Delay(500);
    }
}

static long ReadRssKib(int pid)
{
    try
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    }
    catch (IOException)
    {
        return 0;
    }
}

// smaps_rollup's Anonymous: private memory not backed by a file (managed and native heaps), without the mapped model.
static long ReadAnonymousKib(int pid)
{
    try
    {
        var line = File.ReadLines($"/proc/{pid}/smaps_rollup").First(l => l.StartsWith("Anonymous:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    }
    catch (IOException)
    {
        return 0;
    }
}

static int FreePort()
{
    var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
    listener.Stop();
    return port;
}
