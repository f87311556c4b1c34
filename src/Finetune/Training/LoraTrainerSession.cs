using System.Diagnostics;
using DynamicCot.Finetune.Model;
using DynamicCot.Keyphrases.Data;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.LlamaCpp.Engine;
using DynamicCot.Quantize.Qwen;

namespace DynamicCot.Finetune.Training;

/// <summary>How a run ended.</summary>
public enum TrainingOutcome { Completed, Stopped }

/// <summary>
/// A LoRA fine-tuning run on the trainer's ggml graph: loads the frozen model, embeds images once (cached), prepares
/// every post's prompt and targets, and trains epoch by epoch with the chosen strategy — packed batches, gradient
/// accumulation, global-norm clipping, AdamW with a warm-up + cosine schedule, Dynamic CoT target choice from each
/// sample's current SFT loss.
/// </summary>
public sealed class LoraTrainerSession : IDisposable
{
    private readonly TrainingRunOptions _options;
    private readonly GgmlCpuBackend _backend;
    private readonly QwenLmWeights _weights;
    private readonly LoraParameters _lora;
    private readonly AdamWOptimizer _optimizer;
    private readonly float _rmsEps;
    private readonly List<TrainingExample> _examples = new();

    public LoraTrainerSession(TrainingRunOptions options, Action<string>? message = null)
    {
        options.Validate();
        _options = options;
        _backend = new GgmlCpuBackend(options.Threads);
        try
        {
            _weights = QwenLmWeights.Load(options.ModelPath, _backend);
            _rmsEps = options.RmsEpsilonValue(_weights.HyperParameters);
            _lora = new LoraParameters(_weights, options.Lora, _backend);
            _optimizer = new AdamWOptimizer(_backend, _lora.Trainable, new AdamWOptions { WeightDecay = options.WeightDecay });
            PrepareExamples(message);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public QwenLmWeights Weights => _weights;
    public LoraParameters Lora => _lora;
    public AdamWOptimizer Optimizer => _optimizer;
    public IReadOnlyList<TrainingExample> Examples => _examples;
    public int SkippedTooLong { get; private set; }

    /// <summary>Optimizer steps in one epoch for the run's strategy.</summary>
    public int StepsPerEpoch
    {
        get
        {
            var items = _options.Strategy == TrainingStrategy.MultiTask ? _examples.Sum(e => e.CotTarget is null ? 1 : 2) : _examples.Count;
            var passes = (items + _options.BatchSize - 1) / _options.BatchSize;
            return (passes + _options.GradientAccumulation - 1) / _options.GradientAccumulation;
        }
    }

    public long TotalSteps => (long)StepsPerEpoch * _options.Epochs;

    private void PrepareExamples(Action<string>? message)
    {
        using var model = LlamaModel.Load(_options.ModelPath, new LlamaModelOptions { GpuLayers = 0 });
        using var projector = _options.ProjectorPath is null ? null
            : MtmdContext.Load(_options.ProjectorPath, model, new MtmdOptions { Threads = _options.Threads, ImageMaxTokens = _options.ImageMaxTokens });
        using var cache = projector is null ? null : new ImageEmbeddingCache(
            _options.EmbeddingCacheDirectory ?? Path.Combine(_options.OutputDirectory, "embeddings"), projector, imageMaxTokens: _options.ImageMaxTokens);
        var builder = new TrainingDataBuilder(model, projector, cache, new KeyphrasePromptBuilder(new KeyphrasePromptOptions { MediaMarker = projector?.Marker ?? ChatMarkup.DefaultMediaMarker }));
        foreach (var post in DatasetReader.Read(_options.DataPath, requireImagesExist: true))
        {
            var example = builder.Build(_options.DataPath, post);
            var promptTokens = example.Prompt.Sum(s => s.TokenCount);
            var longest = Math.Max(example.SftTarget.Length, example.CotTarget?.Length ?? 0);
            if (promptTokens + longest > _options.MaxSequenceTokens)
            {
                SkippedTooLong++;
                message?.Invoke($"skipping post '{post.Id}': {promptTokens + longest} tokens exceed --max-tokens {_options.MaxSequenceTokens}");
                continue;
            }
            _examples.Add(example);
        }
        if (_examples.Count == 0)
            throw new InvalidDataException($"{_options.DataPath}: no usable posts to train on.");
        if (cache is not null)
            message?.Invoke($"image embeddings: {cache.Misses} computed, {cache.Hits} from cache");
    }

    /// <summary>The order examples are visited in an epoch: a permutation fixed by the seed and the epoch.</summary>
    public int[] EpochOrder(int epoch)
    {
        var order = Enumerable.Range(0, _examples.Count).ToArray();
        var random = new DeterministicRandom(_options.Seed * 1_000_003UL + (ulong)epoch);
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = (int)(random.NextUInt64() % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>Mean NLL of each example's plain answer under the current weights (Dynamic CoT's L_sft).</summary>
    public double[] SftLosses(IReadOnlyList<int> examples)
    {
        var losses = new double[examples.Count];
        for (var i = 0; i < examples.Count; i++)
        {
            // One sequence per forward pass: attention cost stays linear in the number of samples.
            var batch = PackedBatch.Pack([_examples[examples[i]].With(_examples[examples[i]].SftTarget)], _weights.HyperParameters.EmbeddingSize);
            losses[i] = SupervisedLoss.PerSequence(_backend, _weights, _lora, batch, _rmsEps)[0];
        }
        return losses;
    }

    public TrainingOutcome Train(TrainerHooks hooks, TrainerPosition start, CancellationToken cancellationToken)
    {
        if (_options.Strategy == TrainingStrategy.ZeroShot)
        {
            hooks.OnMessage?.Invoke("zero-shot: nothing to train; the base model is used as it is");
            return TrainingOutcome.Completed;
        }
        var step = start.OptimizerStep;
        for (var epoch = start.Epoch; epoch < _options.Epochs; epoch++)
        {
            var resuming = epoch == start.Epoch;
            var order = EpochOrder(epoch);
            var losses = resuming && start.EpochSftLosses is { } saved ? saved : null;
            if (losses is null && _options.Strategy == TrainingStrategy.Dynamic && _options.Refresh == LossRefresh.Epoch)
            {
                var perExample = SftLosses(Enumerable.Range(0, _examples.Count).ToArray());
                losses = perExample;
                hooks.OnMessage?.Invoke($"epoch {epoch + 1}: mean SFT loss {perExample.Average():F3} (γ = {_options.Gamma})");
            }
            var items = EpochItems(order, losses, out var choices);
            var epochLosses = new List<double>();
            var next = resuming ? start.NextItem : 0;
            var accumulated = new Dictionary<string, float[]>(StringComparer.Ordinal);
            var micro = 0;
            double stepLoss = 0;
            var stepTokens = 0;
            var stepSupervised = 0;
            var clock = Stopwatch.StartNew();
            while (next < items.Count)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    hooks.OnCheckpoint?.Invoke(new TrainerPosition(epoch, next, step, losses));
                    return TrainingOutcome.Stopped;
                }
                var batchItems = items.Skip(next).Take(_options.BatchSize).ToArray();
                if (_options.Strategy == TrainingStrategy.Dynamic && _options.Refresh == LossRefresh.Step)
                    batchItems = ChooseNow(batchItems, choices);
                // One graph per sequence: packing would make attention quadratic in the whole batch's length.
                // Gradients are summed weighted by answer tokens, so the step is the token-level mean over the batch.
                foreach (var item in batchItems)
                {
                    var sequence = PackedBatch.Pack([_examples[item.Example].With(Target(item))], _weights.HyperParameters.EmbeddingSize);
                    var result = GradientStep.Run(_backend, _weights, _lora, sequence, _rmsEps);
                    Accumulate(accumulated, result.Gradients, result.SupervisedTokens);
                    stepLoss += result.Loss * result.SupervisedTokens;
                    stepSupervised += result.SupervisedTokens;
                    stepTokens += sequence.Length;
                }
                micro++;
                next += batchItems.Length;
                if (micro == _options.GradientAccumulation || next >= items.Count)
                {
                    var norm = Finish(accumulated, stepSupervised);
                    var lr = hooks.LearningRate(step);
                    _optimizer.Step(accumulated, lr);
                    step++;
                    var seconds = clock.Elapsed.TotalSeconds;
                    var loss = stepLoss / stepSupervised;
                    epochLosses.Add(loss);
                    hooks.OnStep?.Invoke(new StepRecord(step, epoch + 1, loss, lr, norm, stepTokens, stepTokens / Math.Max(seconds, 1e-9), seconds));
                    accumulated.Clear();
                    micro = 0;
                    stepLoss = 0;
                    stepTokens = 0;
                    stepSupervised = 0;
                    clock.Restart();
                    if (_options.CheckpointEvery > 0 && step % _options.CheckpointEvery == 0 && next < items.Count)
                        hooks.OnCheckpoint?.Invoke(new TrainerPosition(epoch, next, step, losses));
                }
            }
            hooks.OnEpoch?.Invoke(new EpochRecord(epoch + 1, epochLosses.Count == 0 ? double.NaN : epochLosses.Average(), BranchCounts.Of(choices.Values),
                losses?.Average(), SkippedTooLong));
            hooks.OnCheckpoint?.Invoke(new TrainerPosition(epoch + 1, 0, step, null));
        }
        return TrainingOutcome.Completed;
    }

    private int[] Target(TrainingItem item) =>
        item.Target == TargetKind.Cot ? _examples[item.Example].CotTarget! : _examples[item.Example].SftTarget;

    private List<TrainingItem> EpochItems(int[] order, double[]? losses, out Dictionary<int, (TargetKind, bool)> choices)
    {
        choices = new Dictionary<int, (TargetKind, bool)>();
        var items = new List<TrainingItem>(order.Length * 2);
        foreach (var example in order)
        {
            var hasRationale = _examples[example].CotTarget is not null;
            switch (_options.Strategy)
            {
                case TrainingStrategy.MultiTask:
                    items.Add(new TrainingItem(example, TargetKind.Sft));
                    choices[example] = (TargetKind.Sft, !hasRationale);
                    if (hasRationale)
                    {
                        items.Add(new TrainingItem(example, TargetKind.Cot));
                        choices[example] = (TargetKind.Cot, false);
                    }
                    break;
                case TrainingStrategy.Dynamic when _options.Refresh == LossRefresh.Step:
                    items.Add(new TrainingItem(example, TargetKind.Sft)); // decided just before its step
                    break;
                default:
                    var choice = TargetSelector.Choose(_options.Strategy, hasRationale, losses?[example] ?? double.NaN, _options.Gamma, _options.InvertComparison);
                    choices[example] = choice;
                    items.Add(new TrainingItem(example, choice.Target));
                    break;
            }
        }
        return items;
    }

    private TrainingItem[] ChooseNow(TrainingItem[] items, Dictionary<int, (TargetKind, bool)> choices)
    {
        var losses = SftLosses(items.Select(i => i.Example).ToArray());
        return items.Select((item, k) =>
        {
            var choice = TargetSelector.Choose(TrainingStrategy.Dynamic, _examples[item.Example].CotTarget is not null, losses[k], _options.Gamma, _options.InvertComparison);
            choices[item.Example] = choice;
            return item with { Target = choice.Target };
        }).ToArray();
    }

    /// <summary>Adds <paramref name="weight"/> × the pass's (per-token mean) gradients.</summary>
    private static void Accumulate(Dictionary<string, float[]> into, IReadOnlyDictionary<string, float[]> gradients, int weight)
    {
        foreach (var (name, gradient) in gradients)
        {
            if (!into.TryGetValue(name, out var sum))
                into[name] = sum = new float[gradient.Length];
            for (var i = 0; i < sum.Length; i++) sum[i] += gradient[i] * weight;
        }
    }

    /// <summary>Divides the weighted gradient sums by the total weight and clips their global norm; returns the norm before clipping.</summary>
    private double Finish(Dictionary<string, float[]> gradients, int passes)
    {
        double squared = 0;
        foreach (var g in gradients.Values)
            for (var i = 0; i < g.Length; i++)
            {
                g[i] /= passes;
                squared += (double)g[i] * g[i];
            }
        var norm = Math.Sqrt(squared);
        if (_options.MaxGradientNorm > 0 && norm > _options.MaxGradientNorm)
        {
            var scale = (float)(_options.MaxGradientNorm / norm);
            foreach (var g in gradients.Values)
                for (var i = 0; i < g.Length; i++) g[i] *= scale;
        }
        return norm;
    }

    public void Dispose()
    {
        _optimizer?.Dispose();
        _lora?.Dispose();
        _weights?.Dispose();
        _backend.Dispose();
    }
}
