// pp512 / tg128 and greedy tokens through the serving engine (LlamaModel, LlamaContext, LlamaBatchBuffer, SamplerChain),
// on the CPU build LLamaSharp picks, or with a ggml-cuda backend module registered first.
// Usage: DynamicCot.Bench.EngineCuda CUDA_MODULE|- MODEL THREADS ROUNDS OUT_PREFIX
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using DynamicCot.Inference.Llama;
using DynamicCot.Llama;
using DynamicCot.Llama.Native;

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
    RegisterBackend(Path.Combine(runtime.Directory, "libggml.so"), module);

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

// ggml_backend_load lives in the libggml.so the engine already loaded (same path, so the same instance): the module
// registers its devices there, and llama.cpp offloads to them like to a linked-in backend.
static unsafe void RegisterBackend(string libggml, string module)
{
    var handle = NativeLibrary.Load(libggml);
    var load = (delegate* unmanaged<byte*, nint>)NativeLibrary.GetExport(handle, "ggml_backend_load");
    var count = (delegate* unmanaged<nuint>)NativeLibrary.GetExport(handle, "ggml_backend_dev_count");
    var get = (delegate* unmanaged<nuint, nint>)NativeLibrary.GetExport(handle, "ggml_backend_dev_get");
    var description = (delegate* unmanaged<nint, byte*>)NativeLibrary.GetExport(handle, "ggml_backend_dev_description");
    var path = System.Text.Encoding.UTF8.GetBytes(module + "\0");
    fixed (byte* p = path)
        if (load(p) == 0)
            throw new InvalidOperationException($"ggml_backend_load refused {module}");
    for (nuint i = 0; i < count(); i++)
        Console.WriteLine($"device {i}: {Marshal.PtrToStringUTF8((nint)description(get(i)))}");
}
