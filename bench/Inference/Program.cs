// Inference benchmark (bench/README.md, "Inference"): a ~125M-parameter random Qwen2-VL model in Q8_0,
//   pp  — prompt processing tokens/s (one decode of --prompt tokens) and
//   tg  — generation tokens/s (--gen greedy tokens, one decode each),
// measured through the C# engine layer (LLamaSharp) and through native/probe.c (the same library, the same calls),
// in alternating processes; the LLamaSharp build vs the old npm build through the same probe (threads × OpenMP wait
// policy); the keyphrase engine with 8 concurrent requests vs the same 8 one at a time; peak RSS of one multimodal
// suggestion; and a dump of greedy suggestions for the fixture posts with photos (to compare engines).
//
//   dotnet run -c Release --project bench/Inference -- [all|model|pp-tg|csharp|builds|batching|rss|suggestions] [options]
// and, one measurement per process for bench/Serving/serving-cost.sh (ServingCost.cs):
//   serving-posts|serving-concurrent|serving-guided --model LM --mmproj MMPROJ --image-tokens N --posts N
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DynamicCot.Inference.Generation;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Inference;
using DynamicCot.Llama;
using DynamicCot.Inference.Llama;
using DynamicCot.Llama.Native;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using DynamicCot.ModelFiles.Quantization;

var inv = CultureInfo.InvariantCulture;
var mode = args.Length > 0 && !args[0].StartsWith("--") ? args[0] : "all";
string Opt(string name, string fallback)
{
    var i = Array.IndexOf(args, "--" + name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
var threads = int.Parse(Opt("threads", "2"), inv);
var nPrompt = int.Parse(Opt("prompt", "512"), inv);
var nGen = int.Parse(Opt("gen", "128"), inv);
var rounds = int.Parse(Opt("rounds", "5"), inv);
var processes = int.Parse(Opt("processes", "3"), inv);
var kvHeads = int.Parse(Opt("kv-heads", "4"), inv);
var workDir = Path.GetFullPath(Opt("dir", Path.Combine(Path.GetTempPath(), $"dynamiccot-bench-125m-kv{kvHeads}")));
var modelPath = Path.Combine(workDir, "lm-q8_0.gguf");
var projectorPath = Path.Combine(workDir, "mmproj-f32.gguf");

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load {Load()}, threads {threads}");

if (mode is "serving-posts" or "serving-concurrent" or "serving-guided")
{
    var (lm, mmproj) = (Opt("model", modelPath), Opt("mmproj", projectorPath));
    var budget = int.Parse(Opt("image-tokens", "64"), inv);
    var photos = PhotoPosts().Take(int.Parse(Opt("posts", "10"), inv)).ToList();
    if (mode == "serving-posts")
        await DynamicCot.Bench.Inference.ServingCost.PostsAsync(lm, mmproj, threads, budget, photos);
    else if (mode == "serving-concurrent")
        await DynamicCot.Bench.Inference.ServingCost.ConcurrentAsync(lm, mmproj, threads, budget, photos);
    else
        await DynamicCot.Bench.Inference.ServingCost.GuidedAsync(lm, threads, int.Parse(Opt("max-tokens", "48"), inv), photos.Select(p => p.Text).ToList());
    return;
}
if (mode is "csharp")
{
    Console.WriteLine($"library: {LlamaBackend.Initialize().LibraryPath}");
    RunCSharp(Opt("model", modelPath), threads, nPrompt, nGen, rounds);
    return;
}
if (mode is "all" or "model")
    MakeModel();
if (mode is "all" or "pp-tg")
    ComparePpTg();
if (mode is "all" or "builds")
    CompareBuilds();
if (mode is "all" or "batching")
    await Batching();
if (mode is "all" or "rss")
    await PeakRss();
if (mode is "suggestions")
    await DumpSuggestions();
if (mode is "gpu")
    await Gpu();
return;

void MakeModel()
{
    if (File.Exists(modelPath)) { Console.WriteLine($"model: {modelPath} (exists)"); return; }
    Directory.CreateDirectory(workDir);
    var checkpoint = Path.Combine(workDir, "checkpoint");
    var options = new TinyModelOptions
    {
        Architecture = QwenVlArchitecture.Qwen2Vl, HiddenSize = 768, Layers = 12, Heads = 12, KvHeads = kvHeads,
        IntermediateSize = 3072, VisionEmbedSize = 64, VisionDepth = 2, VisionHeads = 4, Seed = 125,
    };
    var sw = Stopwatch.StartNew();
    TinyQwenVlFactory.Create(checkpoint, options, TinyCorpus.Read(TinyCorpus.DefaultFiles()));
    var f32 = Path.Combine(workDir, "lm-f32.gguf");
    QwenVlGgufConverter.Convert(checkpoint, f32, projectorPath, new ConversionOptions { OutputType = GgufOutputType.F32 });
    GgufQuantizer.Quantize(f32, modelPath, QuantizationPreset.Q8_0, threads);
    File.Delete(f32);
    Directory.Delete(checkpoint, recursive: true);
    Console.WriteLine($"model: made in {sw.Elapsed.TotalSeconds:F0} s");
}

void Describe()
{
    using var model = LlamaModel.Load(modelPath);
    var p = model.ParameterCount;
    Console.WriteLine($"model: qwen2vl LM, {p:N0} parameters ({p / 1e6:F1} M), vocab {model.Vocab.Count}, " +
                      $"kv heads {kvHeads}, Q8_0 file {new FileInfo(modelPath).Length / 1048576.0:F1} MiB");
}

void ComparePpTg()
{
    Describe();
    var library = LlamaBackend.Initialize().LibraryPath;
    var probe = BuildProbe();
    var self = Environment.ProcessPath!;
    var selfArgs = Path.GetFileName(self) == "dotnet" ? $"\"{typeof(Program).Assembly.Location}\" " : "";
    var results = new Dictionary<string, List<double[]>> { ["C#"] = [], ["C"] = [] };
    for (var p = 0; p < processes; p++)
    {
        foreach (var side in new[] { "C#", "C" })
        {
            var (file, arguments) = side == "C"
                ? (probe, $"\"{library}\" \"{modelPath}\" {threads} {nPrompt} {nGen} {rounds}")
                : (self, $"{selfArgs}csharp --dir \"{workDir}\" --threads {threads} --prompt {nPrompt} --gen {nGen} --rounds {rounds} --kv-heads {kvHeads}");
            var load = Load();
            // The C# side runs with the engine's default wait policy (PASSIVE unless set); give the probe the same.
            var policy = OpenMpEnvironment.NativeGetenv(OpenMpEnvironment.WaitPolicyVariable);
            foreach (var line in RunProcess(file, arguments, new Dictionary<string, string?> { [OpenMpEnvironment.WaitPolicyVariable] = policy }).Split('\n'))
            {
                var f = line.Trim().Split(' ');
                if (f.Length == 5 && int.TryParse(f[0], out _))
                    results[side].Add([double.Parse(f[1], inv), double.Parse(f[2], inv), double.Parse(f[3], inv), double.Parse(f[4], inv)]);
            }
            var last = results[side].TakeLast(rounds).ToList();
            Console.WriteLine($"  process {p + 1} {side,-2}: pp{nPrompt} {Median(last.Select(r => r[2])):F1} tok/s, tg{nGen} {Median(last.Select(r => r[3])):F1} tok/s (load before {load})");
        }
    }
    var cs = results["C#"]; var c = results["C"];
    double ppC = Median(c.Select(r => r[2])), ppS = Median(cs.Select(r => r[2]));
    double tgC = Median(c.Select(r => r[3])), tgS = Median(cs.Select(r => r[3]));
    Console.WriteLine($"median of {c.Count} rounds each ({processes} processes × {rounds}), {threads} threads, load now {Load()}:");
    Console.WriteLine($"| side | pp{nPrompt} tok/s | tg{nGen} tok/s |");
    Console.WriteLine($"| C probe | {ppC:F1} | {tgC:F1} |");
    Console.WriteLine($"| C# bindings | {ppS:F1} | {tgS:F1} |");
    Console.WriteLine($"| C# overhead | {(ppC / ppS - 1) * 100:+0.0;-0.0}% | {(tgC / tgS - 1) * 100:+0.0;-0.0}% |");
}

static void RunCSharp(string modelPath, int threads, int nPrompt, int nGen, int rounds)
{
    using var model = LlamaModel.Load(modelPath);
    using var context = LlamaContext.Create(model, new LlamaContextOptions
    {
        ContextSize = (uint)(nPrompt + nGen), BatchSize = (uint)nPrompt, MicroBatchSize = (uint)nPrompt,
        Threads = threads, MaxSequences = 1,
    });
    using var sampler = new SamplerChain().Greedy();
    using var batch = new LlamaBatchBuffer(nPrompt);
    var vocab = model.Vocab.Count;
    var sequence = new LlamaSeqId(0);
    for (var round = 0; round <= rounds; round++) // round 0 is the warm-up
    {
        context.ClearMemory();
        sampler.Reset();
        batch.Clear();
        for (var i = 0; i < nPrompt; i++)
            batch.AddToken(new LlamaToken((int)((i * 7919L + 13) % vocab)), i, sequence, wantLogits: i == nPrompt - 1);
        var t0 = Stopwatch.GetTimestamp();
        context.Decode(batch);
        var t1 = Stopwatch.GetTimestamp();
        var last = batch.Count - 1;
        for (var i = 0; i < nGen; i++)
        {
            var token = sampler.Sample(context, last);
            batch.Clear();
            last = batch.AddToken(token, nPrompt + i, sequence, wantLogits: true);
            context.Decode(batch);
        }
        var t2 = Stopwatch.GetTimestamp();
        if (round == 0) continue;
        double pp = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds, tg = Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{round} {pp:F3} {tg:F3} {nPrompt * 1e3 / pp:F2} {nGen * 1e3 / tg:F2}"));
    }
}

// The LLamaSharp CPU build (variant picked for this CPU) vs the old npm build (@fugood/node-llama-linux-x64 1.7.15,
// installed into a bench-local folder), through the same C probe, interleaved, at 1 and 2 threads, with OpenMP's
// PASSIVE wait policy and with libgomp's default (spin for a while, then sleep).
void CompareBuilds()
{
    Describe();
    var newLibrary = LlamaBackend.Initialize().LibraryPath;
    var oldLibrary = InstallOldBuild();
    var probe = BuildProbe();
    var rows = new List<string>();
    foreach (var t in new[] { 1, 2 })
    foreach (var policy in new[] { "PASSIVE", "" })
    {
        var results = new Dictionary<string, List<double[]>> { ["new"] = [], ["old"] = [] };
        var loads = new List<string>();
        for (var p = 0; p < processes; p++)
            foreach (var side in new[] { "new", "old" })
            {
                loads.Add(Load());
                var output = RunProcess(probe, $"\"{(side == "new" ? newLibrary : oldLibrary)}\" \"{modelPath}\" {t} {nPrompt} {nGen} {rounds}",
                    new Dictionary<string, string?> { ["OMP_WAIT_POLICY"] = policy.Length == 0 ? null : policy });
                foreach (var line in output.Split('\n'))
                {
                    var f = line.Trim().Split(' ');
                    if (f.Length == 5 && int.TryParse(f[0], out _))
                        results[side].Add([double.Parse(f[3], inv), double.Parse(f[4], inv)]);
                }
            }
        double ppNew = Median(results["new"].Select(r => r[0])), ppOld = Median(results["old"].Select(r => r[0]));
        double tgNew = Median(results["new"].Select(r => r[1])), tgOld = Median(results["old"].Select(r => r[1]));
        var row = $"| {t} | {(policy.Length == 0 ? "default" : policy)} | {ppOld:F1} | {ppNew:F1} | {ppNew / ppOld:F2}× | {tgOld:F1} | {tgNew:F1} | {tgNew / tgOld:F2}× | {string.Join(" ", loads)} |";
        Console.WriteLine(row);
        rows.Add(row);
    }
    Console.WriteLine($"builds: new {newLibrary}; old {oldLibrary}; median of {processes} processes × {rounds} rounds per cell");
    Console.WriteLine($"| threads | OMP_WAIT_POLICY | old pp{nPrompt} | new pp{nPrompt} | pp ratio | old tg{nGen} | new tg{nGen} | tg ratio | load before each process |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
    foreach (var row in rows) Console.WriteLine(row);
}

string InstallOldBuild()
{
    var folder = Path.Combine(Path.GetDirectoryName(typeof(Program).Assembly.Location)!, "old-npm-build");
    var library = Path.Combine(folder, "node_modules", "@fugood", "node-llama-linux-x64", "index.node");
    if (!File.Exists(library))
    {
        Directory.CreateDirectory(folder);
        RunProcess("npm", $"install --prefix \"{folder}\" --no-save --ignore-scripts @fugood/node-llama-linux-x64@1.7.15");
    }
    return library;
}

// Peak resident memory of a process that loads the model and projector and makes one suggestion for a post with a photo.
async Task PeakRss()
{
    if (Opt("child", "") != "rss")
    {
        var self = Environment.ProcessPath!;
        var selfArgs = Path.GetFileName(self) == "dotnet" ? $"\"{typeof(Program).Assembly.Location}\" " : "";
        Console.Write(RunProcess(self, $"{selfArgs}rss --child rss --dir \"{workDir}\" --threads {threads} --kv-heads {kvHeads}"));
        return;
    }
    var (text, image) = PhotoPosts().First();
    await using var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions
    {
        ModelPath = modelPath, ProjectorPath = projectorPath, Threads = threads, MaxParallelSequences = 1, ContextPerSequence = 1024,
    });
    var result = await engine.SuggestAsync(text, await ImageInput.FromFileAsync(image),
        new SuggestionOptions { Thinking = ThinkingMode.Off, MaxTokens = 32 });
    var status = File.ReadAllLines("/proc/self/status");
    string Field(string name) => status.First(l => l.StartsWith(name + ":", StringComparison.Ordinal)).Split(':')[1].Trim();
    Console.WriteLine($"rss: one multimodal suggestion ({result.PromptTokens} prompt tokens with the image, {result.GeneratedTokens} generated): " +
                      $"peak RSS {Field("VmHWM")}, RSS now {Field("VmRSS")}, load {Load()}");
}

// Suggestions on a GPU with the CUDA build (-p:DynamicCotCuda=true; unrun: bench/gpu/ measures the engine's decode
// and image encode on CUDA without that package): a random-weight model at Qwen2-VL-2B dimensions (LM 1536 wide, 28 layers, 12/2 heads, FFN 8960;
// vision tower 1280 wide, 32 blocks; the vocabulary is the small test tokenizer's), Q4_K_M, all layers on the GPU;
// p50 latency of suggestions one at a time and posts/s with 8 in flight, on the fixture posts with photos.
async Task Gpu()
{
    var lm = Path.Combine(workDir, "lm-q4_k_m.gguf");
    var mmproj = Path.Combine(workDir, "mmproj-f16.gguf");
    if (!File.Exists(lm))
    {
        Directory.CreateDirectory(workDir);
        var checkpoint = Path.Combine(workDir, "checkpoint");
        TinyQwenVlFactory.Create(checkpoint, new TinyModelOptions
        {
            Architecture = QwenVlArchitecture.Qwen2Vl, HiddenSize = 1536, Layers = 28, Heads = 12, KvHeads = 2, IntermediateSize = 8960,
            VisionEmbedSize = 1280, VisionDepth = 32, VisionHeads = 16, Seed = 2,
        }, TinyCorpus.Read(TinyCorpus.DefaultFiles()));
        var f16 = Path.Combine(workDir, "lm-f16.gguf");
        QwenVlGgufConverter.Convert(checkpoint, f16, mmproj, new ConversionOptions { OutputType = GgufOutputType.F16 });
        GgufQuantizer.Quantize(f16, lm, QuantizationPreset.Q4_K_M, Environment.ProcessorCount);
        File.Delete(f16);
        Directory.Delete(checkpoint, recursive: true);
    }
    var requests = int.Parse(Opt("requests", "64"), inv);
    var options = new SuggestionOptions { Thinking = ThinkingMode.Off, MaxTokens = int.Parse(Opt("max-tokens", "32"), inv) };
    var posts = PhotoPosts().ToArray();
    var inputs = new List<(string Text, ImageInput Image)>();
    for (var i = 0; i < requests; i++)
        inputs.Add((posts[i % posts.Length].Text, await ImageInput.FromFileAsync(posts[i % posts.Length].Image)));
    foreach (var parallel in new[] { 1, 8 })
    {
        await using var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions
        {
            ModelPath = lm, ProjectorPath = mmproj, GpuLayers = -1, MaxParallelSequences = parallel, ContextPerSequence = 2048,
            ImageMaxTokens = int.Parse(Opt("image-tokens", "256"), inv),
        });
        await engine.SuggestAsync(inputs[0].Text, inputs[0].Image, options); // warm-up
        var latencies = new List<double>();
        var sw = Stopwatch.StartNew();
        if (parallel == 1)
            foreach (var (text, image) in inputs)
            {
                var one = Stopwatch.StartNew();
                await engine.SuggestAsync(text, image, options);
                latencies.Add(one.Elapsed.TotalMilliseconds);
            }
        else
            await Task.WhenAll(inputs.Select(async p =>
            {
                var one = Stopwatch.StartNew();
                await engine.SuggestAsync(p.Text, p.Image, options);
                lock (latencies) latencies.Add(one.Elapsed.TotalMilliseconds);
            }));
        Console.WriteLine($"gpu: {parallel} in flight: {requests} suggestions, p50 {Median(latencies):F0} ms, {requests / sw.Elapsed.TotalSeconds:F2} posts/s ({LlamaBackend.Initialize().Variant}, {LlamaBackend.Initialize().LibraryPath})");
    }
}

// Greedy suggestions (raw output) for the fixture posts with photos; run against two engine builds and diff.
async Task DumpSuggestions()
{
    await using var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions
    {
        ModelPath = Opt("model", modelPath), ProjectorPath = Opt("mmproj", projectorPath), Threads = threads,
        MaxParallelSequences = 1, ContextPerSequence = 2048, ImageMaxTokens = int.Parse(Opt("image-tokens", "64"), inv),
    });
    var options = new SuggestionOptions { Thinking = ThinkingMode.Off, MaxTokens = int.Parse(Opt("max-tokens", "48"), inv) };
    foreach (var (text, image) in PhotoPosts())
    {
        var result = await engine.SuggestAsync(text, await ImageInput.FromFileAsync(image), options);
        Console.WriteLine(JsonSerializer.Serialize(new { image = Path.GetFileName(image), result.PromptTokens, result.RawOutput, keyphrases = result.Keyphrases.Select(k => k.Text) }));
    }
}

IEnumerable<(string Text, string Image)> PhotoPosts()
{
    var events = FindData("vmu16_small_events/data.jsonl");
    foreach (var line in File.ReadLines(events))
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        if (root.TryGetProperty("image", out var image) && image.ValueKind == JsonValueKind.String)
            yield return (root.GetProperty("text_raw").GetString()!, Path.Combine(Path.GetDirectoryName(events)!, image.GetString()!));
    }
    var flickr = FindData("flickr10/data.jsonl");
    foreach (var line in File.ReadLines(flickr))
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        yield return (root.GetProperty("title").GetString()!, Path.Combine(Path.GetDirectoryName(flickr)!, root.GetProperty("image").GetString()!));
    }
}

async Task Batching()
{
    var requests = int.Parse(Opt("requests", "8"), inv);
    var maxTokens = int.Parse(Opt("max-tokens", "32"), inv);
    var data = Opt("data", FindData("cmkp_dev/valid.jsonl"));
    var posts = File.ReadLines(data).Take(requests)
        .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!).ToArray();
    var options = new SuggestionOptions { Thinking = ThinkingMode.Off, MaxTokens = maxTokens };
    Console.WriteLine($"batching: {requests} text-only posts from {Path.GetFileName(Path.GetDirectoryName(data))}/{Path.GetFileName(data)}, thinking off, max {maxTokens} tokens, {threads} threads");
    var pairs = int.Parse(Opt("pairs", "3"), inv);
    string[]? sequential = null;
    foreach (var parallel in Enumerable.Range(0, 2 * pairs).Select(i => i % 2 == 0 ? 1 : requests))
    {
        await using var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions
        {
            ModelPath = modelPath, Threads = threads, MaxParallelSequences = parallel, ContextPerSequence = 512,
        });
        await engine.SuggestAsync(posts[0], null, options); // warm-up
        var load = Load();
        var sw = Stopwatch.StartNew();
        var results = await Task.WhenAll(posts.Select(p => engine.SuggestAsync(p, null, options)));
        var wall = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"  parallel {parallel}: {wall:F2} s wall, {requests / wall:F2} requests/s, " +
                          $"{results.Sum(r => r.PromptTokens)} prompt + {results.Sum(r => r.GeneratedTokens)} generated tokens, " +
                          $"{results.Sum(r => r.GeneratedTokens) / wall:F1} generated tok/s (load before {load})");
        var outputs = results.Select(r => r.RawOutput).ToArray();
        if (parallel == 1) sequential ??= outputs;
        else Console.WriteLine($"    outputs identical to the one-at-a-time run: {outputs.Zip(sequential!).Count(p => p.First == p.Second)} of {requests}");
    }
}

string BuildProbe()
{
    var source = Path.Combine(AppContext.BaseDirectory, "native", "probe.c");
    var headers = Opt("headers", Path.Combine(AppContext.BaseDirectory, "llama-headers"));
    var include = Path.Combine(headers, "package", "src", "llama.cpp");
    if (!File.Exists(Path.Combine(include, "include", "llama.h")))
    {
        // The headers of the exact build ship in the npm source package (see llama-cpp-abi.md §0).
        Directory.CreateDirectory(headers);
        RunProcess("npm", $"pack @fugood/llama.node@1.7.15 --pack-destination \"{headers}\"");
        RunProcess("tar", $"xzf \"{Path.Combine(headers, "fugood-llama.node-1.7.15.tgz")}\" -C \"{headers}\"");
    }
    // These headers are llama.cpp 22dc605; the probe only touches fields whose layout is the same in LLamaSharp's
    // c0c7e147 build (llama_model_params up to check_tensors, llama_context_params, llama_batch), so one probe binary
    // drives both builds with identical calls.
    var output = Path.Combine(AppContext.BaseDirectory, "native", "probe");
    RunProcess("cc", $"-O2 -I\"{include}/include\" -I\"{include}/ggml/include\" \"{source}\" -o \"{output}\" -ldl");
    return output;
}

static string RunProcess(string file, string arguments, IDictionary<string, string?>? environment = null)
{
    var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
    {
        if (value is null) start.Environment.Remove(key);
        else start.Environment[key] = value;
    }
    using var process = Process.Start(start)!;
    var stderr = process.StandardError.ReadToEndAsync();
    var stdout = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0)
        throw new InvalidOperationException($"{file} {arguments} exited {process.ExitCode}: {stderr.Result}");
    return stdout;
}

static string FindData(string relative)
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "..", "shared", "data", relative);
        if (File.Exists(candidate)) return Path.GetFullPath(candidate);
    }
    throw new FileNotFoundException($"../shared/data/{relative} not found; pass --data FILE.");
}

static double Median(IEnumerable<double> values)
{
    var v = values.OrderBy(x => x).ToArray();
    return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
}

static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
