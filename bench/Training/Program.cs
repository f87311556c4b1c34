// Training benchmark (bench/README.md, "Training"): one LoRA step of our ggml trainer — GradientStep.Run (graph
// build, forward, backward, gradients copied out) + AdamWOptimizer.Step — on a ~20M-parameter random Qwen2-VL LM in
// F32, LoRA rank 8 on all 7 projections, a packed batch of 4 sequences × 128 tokens, loss on every next-token row.
// Optional: forward-only (QwenLmForward.Logits) tokens/s over the same batch.
//
//   dotnet run -c Release --project bench/Training -- [--threads 2] [--steps 8] [--warmup 2] [--layers 12] [--forward]
using System.Diagnostics;
using System.Globalization;
using DynamicCot.Finetune.Model;
using DynamicCot.Finetune.Training;
using DynamicCot.Quantize.HuggingFace;
using DynamicCot.Quantize.Qwen;

var inv = CultureInfo.InvariantCulture;
string Opt(string name, string fallback)
{
    var i = Array.IndexOf(args, "--" + name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
var threads = int.Parse(Opt("threads", "2"), inv);
var steps = int.Parse(Opt("steps", "8"), inv);
var warmup = int.Parse(Opt("warmup", "2"), inv);
var layers = int.Parse(Opt("layers", "12"), inv);
var sequences = int.Parse(Opt("sequences", "4"), inv);
var length = int.Parse(Opt("length", "128"), inv);
var rank = int.Parse(Opt("rank", "8"), inv);
var workDir = Path.GetFullPath(Opt("dir", Path.Combine(Path.GetTempPath(), $"dynamiccot-bench-train-l{layers}")));
var modelPath = Path.Combine(workDir, "lm-f32.gguf");

if (!File.Exists(modelPath))
{
    var checkpoint = Path.Combine(workDir, "checkpoint");
    TinyQwenVlFactory.Create(checkpoint, new TinyModelOptions
    {
        Architecture = QwenVlArchitecture.Qwen2Vl, HiddenSize = 384, Layers = layers, Heads = 6, KvHeads = 2,
        IntermediateSize = 1024, VisionEmbedSize = 64, VisionDepth = 2, VisionHeads = 4, Seed = 20,
    }, TinyCorpus.Read(TinyCorpus.DefaultFiles()));
    QwenVlGgufConverter.Convert(checkpoint, modelPath, Path.Combine(workDir, "mmproj-f32.gguf"), new ConversionOptions { OutputType = GgufOutputType.F32 });
    Directory.Delete(checkpoint, recursive: true);
}

using var backend = new GgmlCpuBackend(threads);
using var weights = QwenLmWeights.Load(modelPath, backend);
var hp = weights.HyperParameters;
var parameters = (long)hp.EmbeddingSize * hp.VocabularySize * (hp.TiedOutput ? 1 : 2) + hp.EmbeddingSize
    + (long)hp.LayerCount * (2L * hp.EmbeddingSize * hp.EmbeddingSize + 2L * hp.EmbeddingSize * hp.KvSize
                             + hp.EmbeddingSize + 2L * hp.KvSize                       // q/k/v biases
                             + 3L * hp.EmbeddingSize * hp.FeedForwardSize + 2L * hp.EmbeddingSize); // norms
using var lora = new LoraParameters(weights, new LoraOptions { Rank = rank, Alpha = 2 * rank }, backend);
var loraCount = lora.Trainable.Sum(t => DynamicCot.Finetune.Model.GgmlTensorStore.ReadFloats(t.Tensor).LongLength);
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load {Load()}, threads {threads}");
Console.WriteLine($"model: hidden {hp.EmbeddingSize}, {hp.LayerCount} layers, heads {hp.HeadCount}/{hp.KvHeadCount}, ffn {hp.FeedForwardSize}, " +
                  $"vocab {hp.VocabularySize}, {parameters:N0} parameters ({parameters / 1e6:F1} M) F32; LoRA rank {rank} on {lora.Options.Targets.Count} projections: {loraCount:N0} trainable");

// Random token ids (fixed seed); every row but the first of each sequence predicts the next token.
var random = new Random(5);
var batch = PackedBatch.Pack(Enumerable.Range(0, sequences)
    .Select(_ => new TrainingSequence([new TextSegment(Enumerable.Range(0, length).Select(_ => random.Next(hp.VocabularySize)).ToArray())], length - 1))
    .ToList(), hp.EmbeddingSize);
Console.WriteLine($"batch: {sequences} × {length} tokens packed ({batch.Length} rows, {batch.SupervisedRows.Length} supervised)");

using var optimizer = new AdamWOptimizer(backend, lora.Trainable, new AdamWOptions());
var eps = hp.FileRmsNormEpsilon;
var stepMs = new List<double>();
var gradMs = new List<double>();
for (var step = 0; step < warmup + steps; step++)
{
    var load = Load();
    var t0 = Stopwatch.GetTimestamp();
    var result = GradientStep.Run(backend, weights, lora, batch, eps);
    var t1 = Stopwatch.GetTimestamp();
    optimizer.Step(result.Gradients, 1e-3f);
    var t2 = Stopwatch.GetTimestamp();
    double g = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds, total = Stopwatch.GetElapsedTime(t0, t2).TotalMilliseconds;
    Console.WriteLine($"  step {step + 1}{(step < warmup ? " (warm-up)" : "")}: loss {result.Loss:F4}, {total:F0} ms (forward+backward {g:F0} ms, AdamW {total - g:F1} ms), load {load}");
    if (step >= warmup) { stepMs.Add(total); gradMs.Add(g); }
}
var median = Median(stepMs);
Console.WriteLine($"trainer: median step {median:F0} ms (min {stepMs.Min():F0}, max {stepMs.Max():F0}) over {steps} steps → {batch.Length * 1000 / median:F0} tokens/s; load now {Load()}");

if (args.Contains("--forward"))
{
    var forwardMs = new List<double>();
    for (var i = 0; i < warmup + steps; i++)
    {
        var t0 = Stopwatch.GetTimestamp();
        QwenLmForward.Logits(backend, weights, null, batch, eps);
        if (i >= warmup) forwardMs.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
    }
    var f = Median(forwardMs);
    Console.WriteLine($"forward only (no LoRA, logits of all {batch.Length} rows read back): median {f:F0} ms → {batch.Length * 1000 / f:F0} tokens/s; load now {Load()}");
}

static double Median(IEnumerable<double> values)
{
    var v = values.OrderBy(x => x).ToArray();
    return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
}

static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
