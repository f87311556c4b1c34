// Training benchmark (bench/README.md, "Training"): one optimizer step of the TorchSharp trainer — TrainerSession's
// forward + backward (TorchBatch → QwenTextModel.Logits → summed cross-entropy → backward), gradient averaging and
// AdamWOptimizer.Step — on a 19.3 M-parameter random Qwen2-VL LM (F32, loaded from its HF checkpoint), a batch of
// 4 sequences × 128 tokens, loss on every next-token row. LoRA rank 8 on all 7 projections (default) or --full.
// --gradient-checkpointing recomputes each layer in backward; --precision bf16 runs the matrix products in BF16.
// Prints the median step, tokens/s, the 1-minute load per step, the peak RSS, and how far RSS rose above its pre-step
// level during a step (the peak is reset before each step through /proc/self/clear_refs): the step's own memory.
//
//   dotnet run -c Release --project bench/Training -- [--threads 2] [--steps 8] [--warmup 2] [--layers 12] [--full]
//       [--sequences 4] [--length 128] [--gradient-checkpointing] [--precision fp32|bf16]
using System.Diagnostics;
using System.Globalization;
using DynamicCot.Finetune.ModelOptions;
using DynamicCot.Finetune.ModelInputs;
using DynamicCot.Finetune.Torch;
using DynamicCot.Finetune.Training;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

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
var full = args.Contains("--full");
var checkpointing = args.Contains("--gradient-checkpointing");
var precision = MatmulPrecisions.Parse(Opt("precision", "fp32"));
var workDir = Path.GetFullPath(Opt("dir", Path.Combine(Path.GetTempPath(), $"dynamiccot-bench-torch-l{layers}")));
var checkpoint = Path.Combine(workDir, "checkpoint");

if (!File.Exists(Path.Combine(checkpoint, "config.json")))
    TinyQwenVlFactory.Create(checkpoint, new TinyModelOptions
    {
        Architecture = QwenVlArchitecture.Qwen2Vl, HiddenSize = 384, Layers = layers, Heads = 6, KvHeads = 2,
        IntermediateSize = 1024, VisionEmbedSize = 64, VisionDepth = 2, VisionHeads = 4, Seed = 20,
    }, TinyCorpus.Read(TinyCorpus.DefaultFiles()));

TorchRuntime.Initialize(threads);
using var model = QwenTextModel.Load(checkpoint);
model.UseGradientCheckpointing(checkpointing);
model.Precision = precision;
IReadOnlyList<(string Name, Tensor Tensor)> trainable;
if (full)
{
    trainable = model.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value)).ToArray();
    foreach (var (_, p) in trainable) p.requires_grad_(true);
}
else
{
    model.Lora = new LoraLayers(model, new LoraOptions { Rank = rank, Alpha = 2 * rank });
    trainable = model.Lora.Trainable;
}
var text = model.Text;
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load {Load()}, threads {threads}, OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")}, TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}");
Console.WriteLine($"model: hidden {text.HiddenSize}, {text.NumHiddenLayers} layers, heads {text.NumAttentionHeads}/{text.NumKeyValueHeads}, ffn {text.IntermediateSize}, " +
                  $"vocab {text.VocabSize}, {model.ParameterCount:N0} parameters ({model.ParameterCount / 1e6:F1} M) F32; " +
                  (full ? "full fine-tuning" : $"LoRA rank {rank} on 7 projections") + $": {trainable.Sum(t => t.Tensor.numel()):N0} trainable; " +
                  $"batch {sequences} × {length}, precision {precision.Name()}, gradient checkpointing {(checkpointing ? "on" : "off")}");

// Random token ids (fixed seed); every row but the first of each sequence predicts the next token.
var random = new Random(5);
var batchSequences = Enumerable.Range(0, sequences)
    .Select(_ => new TrainingSequence([new TextSegment(Enumerable.Range(0, length).Select(_ => random.Next(text.VocabSize)).ToArray())], length - 1))
    .ToArray();
using var optimizer = new AdamWOptimizer(trainable, new AdamWOptions());
var stepMs = new List<double>();
var stepRiseMb = new List<double>();
for (var step = 0; step < warmup + steps; step++)
{
    var load = Load();
    var rssBefore = StatusMb("VmRSS:");
    File.WriteAllText("/proc/self/clear_refs", "5"); // resets VmHWM to the current RSS
    var t0 = Stopwatch.GetTimestamp();
    double loss;
    using (var scope = NewDisposeScope())
    {
        using var batch = TorchBatch.Create(batchSequences, text.HiddenSize, OutputRows.Supervised, CPU);
        var sum = F.cross_entropy(model.Logits(batch), batch.Labels, reduction: nn.Reduction.Sum);
        sum.backward();
        loss = sum.item<float>() / batch.OutputCount;
        using (no_grad())
            foreach (var (_, p) in trainable) { using var g = p.grad!; g.div_(batch.OutputCount); }
    }
    optimizer.Step(1e-3f);
    foreach (var (_, p) in trainable) { using var g = p.grad!; g.zero_(); }
    var total = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    var rise = StatusMb("VmHWM:") - rssBefore;
    Console.WriteLine($"  step {step + 1}{(step < warmup ? " (warm-up)" : "")}: loss {loss:F4}, {total:F0} ms, RSS rose {rise:F0} MB during the step, load {load}");
    if (step >= warmup)
    {
        stepMs.Add(total);
        stepRiseMb.Add(rise);
    }
}
var median = Median(stepMs);
Console.WriteLine($"torchsharp{(full ? " full" : " lora")}: median step {median:F0} ms (min {stepMs.Min():F0}, max {stepMs.Max():F0}) over {steps} steps → " +
                  $"{sequences * length * 1000 / median:F0} tokens/s; peak RSS in the last step {StatusMb("VmHWM:"):F0} MB; RSS rise in a step (median) {Median(stepRiseMb):F0} MB; load now {Load()}");

static double Median(IEnumerable<double> values)
{
    var v = values.OrderBy(x => x).ToArray();
    return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
}

static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

static double StatusMb(string field) =>
    File.ReadLines("/proc/self/status").Where(l => l.StartsWith(field, StringComparison.Ordinal))
        .Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024).First();
