// pp512 / tg128 and greedy tokens through the serving engine (LlamaModel, LlamaContext, LlamaBatchBuffer, SamplerChain),
// on the CPU build LLamaSharp picks, or with a ggml-cuda backend module registered first.
// Usage: DynamicCot.Bench.EngineCuda CUDA_MODULE|- MODEL THREADS ROUNDS OUT_PREFIX
//        DynamicCot.Bench.EngineCuda suggest CUDA_MODULE|- MODEL MMPROJ PHOTO_DIR THREADS   (SuggestionBench.cs)
using System.Diagnostics;
using System.Globalization;
using DynamicCot.Inference.Llama;
using DynamicCot.Llama;
using DynamicCot.Llama.Native;
using DynamicCot.Bench.EngineCuda;

if (args.Length > 0 && args[0] == "suggest")
    return await SuggestionBench.RunAsync(args[1..]);
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: DynamicCot.Bench.EngineCuda CUDA_MODULE|- MODEL THREADS ROUNDS OUT_PREFIX");
    return 2;
}
var (module, modelPath, threads, rounds, outPrefix) = (args[0], args[1], int.Parse(args[2], CultureInfo.InvariantCulture),
    int.Parse(args[3], CultureInfo.InvariantCulture), args[4]);
const int nPrompt = 512, nGen = 128;

var runtime = LlamaBackend.Initialize();
Console.WriteLine($"engine: {runtime.LibraryPath} ({runtime.Variant})");
var cuda = module != "-";
if (cuda)
    CudaModule.Register(runtime, module);

using var model = LlamaModel.Load(modelPath, new LlamaModelOptions { GpuLayers = cuda ? -1 : 0 });
using var context = LlamaContext.Create(model, new LlamaContextOptions
{
    ContextSize = 1024, BatchSize = nPrompt, MicroBatchSize = nPrompt, Threads = threads, MaxSequences = 1,
});
using var sampler = new SamplerChain().Greedy();
using var batch = new LlamaBatchBuffer(nPrompt);
var vocab = model.Vocab.Count;
var sequence = new LlamaSeqId(0);
var pp = new List<double>();
var tg = new List<double>();
var first = new List<int>();
var repeatable = true;
for (var round = 0; round <= rounds; round++) // round 0 is the warm-up
{
    context.ClearMemory();
    sampler.Reset();
    batch.Clear();
    for (var i = 0; i < nPrompt; i++)
        batch.AddToken(new LlamaToken((int)((i * 7919L + 13) % vocab)), i, sequence, wantLogits: i == nPrompt - 1);
    var t0 = Stopwatch.GetTimestamp();
    context.Decode(batch);
    context.Handle.Synchronize(); // llama_decode returns before a GPU has finished the batch
    var t1 = Stopwatch.GetTimestamp();
    var last = batch.Count - 1;
    var tokens = new List<int>();
    for (var i = 0; i < nGen; i++)
    {
        var token = sampler.Sample(context, last);
        tokens.Add(token.Value);
        batch.Clear();
        last = batch.AddToken(token, nPrompt + i, sequence, wantLogits: true);
        context.Decode(batch);
    }
    var t2 = Stopwatch.GetTimestamp();
    double ppMs = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds, tgMs = Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"round {round}{(round == 0 ? " (warm-up)" : "")}: pp{nPrompt} {nPrompt * 1e3 / ppMs:F1} tok/s, tg{nGen} {nGen * 1e3 / tgMs:F1} tok/s"));
    if (round == 0)
    {
        first = tokens;
        File.WriteAllLines(outPrefix + ".tok", tokens.Select(t => t.ToString(CultureInfo.InvariantCulture)));
        continue;
    }
    repeatable &= tokens.SequenceEqual(first);
    pp.Add(nPrompt * 1e3 / ppMs);
    tg.Add(nGen * 1e3 / tgMs);
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RESULT engine {(cuda ? "cuda" : "cpu")} threads {threads}: pp{nPrompt} {Median(pp):F1} tok/s, tg{nGen} {Median(tg):F1} tok/s (median of {pp.Count}), greedy repeatable across rounds: {(repeatable ? "yes" : "NO")}"));
return 0;

static double Median(List<double> v)
{
    var s = v.Order().ToArray();
    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
}
