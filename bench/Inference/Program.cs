// Inference benchmark (bench/README.md, "Inference"): a ~125M-parameter random Qwen2-VL model in Q8_0,
//   pp  — prompt processing tokens/s (one decode of --prompt tokens) and
//   tg  — generation tokens/s (--gen greedy tokens, one decode each),
// measured through our C# bindings and through native/probe.c (the same library, the same calls), in alternating
// processes; then the keyphrase engine with 8 concurrent requests vs the same 8 one at a time.
//
//   dotnet run -c Release --project bench/Inference -- [all|model|pp-tg|csharp|batching] [options]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DynamicCot.Keyphrases.Engine;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.LlamaCpp.Engine;
using DynamicCot.LlamaCpp.Native;
using DynamicCot.Quantize.HuggingFace;
using DynamicCot.Quantize.Qwen;
using DynamicCot.Quantize.Quantization;

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

if (mode is "csharp")
{
    RunCSharp(modelPath, threads, nPrompt, nGen, rounds);
    return;
}
if (mode is "all" or "model")
    MakeModel();
if (mode is "all" or "pp-tg")
    ComparePpTg();
if (mode is "all" or "batching")
    await Batching();
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
    var library = LlamaBackend.Initialize().Path;
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
            foreach (var line in RunProcess(file, arguments).Split('\n'))
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
    var output = Path.Combine(AppContext.BaseDirectory, "native", "probe");
    RunProcess("cc", $"-O2 -DGGML_MAX_NAME=80 -I\"{include}/include\" -I\"{include}/ggml/include\" \"{source}\" -o \"{output}\" -ldl");
    return output;
}

static string RunProcess(string file, string arguments)
{
    using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
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
