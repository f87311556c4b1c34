using System.Diagnostics;
using DynamicCot.Finetune.Model;
using DynamicCot.Finetune.Torch;
using DynamicCot.Keyphrases.Data;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Inference.Llama;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DynamicCot.Finetune.Training;

/// <summary>How a run ended.</summary>
public enum TrainingOutcome { Completed, Stopped }

/// <summary>
/// A fine-tuning run on TorchSharp: loads the language model from the Hugging Face checkpoint (LoRA adapters on the
/// chosen projections, or every weight for full fine-tuning), prepares every post exactly as the served engine will
/// see it (its tokenizer, its projector's image embeddings cached), and trains epoch by epoch with the chosen
/// strategy: padded batches, gradient accumulation, global-norm clipping, AdamW with a warm-up + cosine schedule,
/// Dynamic CoT target choice from each sample's current SFT loss. The vision tower is frozen unless the run trains it
/// (<see cref="TrainingRunOptions.TrainVision"/>): then the TorchSharp tower is loaded too, every image is prepared as
/// mtmd prepares it and embedded inside each forward pass, and its LoRA adapters (or all its weights) are trained by
/// the same optimizer. <see cref="TrainingRunOptions.GradientCheckpointing"/> and <see cref="TrainingRunOptions.Precision"/>
/// are applied to both models.
/// </summary>
public sealed class TrainerSession : IDisposable
{
    private readonly TrainingRunOptions _options;
    private readonly QwenTextModel _model;
    private readonly QwenVisionModel? _vision;
    private readonly PreprocessorConfig? _preprocessor;
    private readonly IReadOnlyList<(string Name, Tensor Tensor)> _trainable;
    private readonly AdamWOptimizer _optimizer;
    private readonly List<TrainingExample> _examples = new();

    public TrainerSession(TrainingRunOptions options, Action<string>? message = null)
    {
        options.Validate();
        _options = options;
        TorchRuntime.Initialize(options.Threads);
        torch.manual_seed((long)(options.Seed & long.MaxValue));
        var device = TorchRuntime.Device(options.Device);
        try
        {
            if (options.TrainVision)
            {
                _vision = QwenVisionModel.Load(options.ModelPath, new VisionModelOptions { Device = device });
                _preprocessor = PreprocessorConfig.Load(options.ModelPath);
            }
            // The examples are prepared (the served GGUF and projector loaded, images embedded) before the language
            // model is, so the two never occupy memory at the same time: at 2B that is ≈ 4 GB less at the peak.
            PrepareExamples(message, QwenTextModel.InputEmbeddingSizeOf(QwenVlConfig.Load(options.ModelPath)));
            _model = QwenTextModel.Load(options.ModelPath, new TextModelOptions
            {
                RmsEpsilon = options.RmsEpsilonValue(), Device = device,
                WeightDType = options.Mode == FineTuneMode.Lora && options.FrozenWeights == FrozenWeightFormat.Bf16 ? ScalarType.BFloat16 : null,
            });
            _model.UseGradientCheckpointing(options.GradientCheckpointing);
            _vision?.UseGradientCheckpointing(options.GradientCheckpointing);
            if (options.Precision == MatmulPrecision.Bf16)
            {
                Bf16Support.Require(device);
                _model.Precision = MatmulPrecision.Bf16;
                if (_vision is not null)
                    _vision.Precision = MatmulPrecision.Bf16;
                message?.Invoke("precision bf16: linear layers and attention in BF16; weights, optimizer state and loss in F32");
            }
            if (options.Mode == FineTuneMode.Lora)
            {
                _model.Lora = new LoraLayers(_model, options.Lora);
                if (_vision is not null)
                    _vision.Lora = new LoraLayers(_vision, options.Lora);
                VisionTrainable = _vision?.Lora!.Trainable ?? [];
                _trainable = [.. _model.Lora.Trainable, .. VisionTrainable];
            }
            else
            {
                VisionTrainable = _vision is null ? [] : Sorted(_vision.Parameters);
                _trainable = [.. Sorted(_model.Parameters), .. VisionTrainable];
                foreach (var (_, p) in _trainable) p.requires_grad_(true);
            }
            if (options.Mode == FineTuneMode.Lora && options.FrozenWeights == FrozenWeightFormat.Bf16)
                message?.Invoke("frozen weights: BF16 matrices, upcast one at a time for each product; adapters, gradients and optimizer state F32");
            _optimizer = new AdamWOptimizer(_trainable, new AdamWOptions { WeightDecay = options.WeightDecay });
            var languageTrainable = _trainable.Sum(t => t.Tensor.numel()) - VisionTrainable.Sum(t => t.Tensor.numel());
            message?.Invoke($"{options.Mode.ToString().ToLowerInvariant()} fine-tuning: {languageTrainable:N0} trainable of {_model.ParameterCount:N0} language-model parameters on {device.type.ToString().ToLowerInvariant()}, {options.Threads} threads");
            if (options.GradientCheckpointing)
                message?.Invoke($"gradient checkpointing: each decoder layer{(_vision is null ? "" : " and vision block")} is recomputed in backward instead of keeping its activations");
            if (_vision is not null)
                message?.Invoke($"vision tower trained: {VisionTrainable.Sum(t => t.Tensor.numel()):N0} trainable of {_vision.ParameterCount:N0} vision parameters; each image runs through it in every forward pass");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public QwenTextModel Model => _model;
    /// <summary>The TorchSharp vision tower when the run trains it; null while it is frozen.</summary>
    public QwenVisionModel? Vision => _vision;
    /// <summary>The vision tower's trainable tensors (its LoRA matrices or its weights), a part of <see cref="Trainable"/>; empty while frozen.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> VisionTrainable { get; } = [];
    public AdamWOptimizer Optimizer => _optimizer;
    public IReadOnlyList<(string Name, Tensor Tensor)> Trainable => _trainable;
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

    private void PrepareExamples(Action<string>? message, int inputEmbeddingSize)
    {
        var served = BaseModelFiles.Ensure(_options, message);
        using var model = LlamaModel.Load(served.LanguageModel, new LlamaModelOptions { GpuLayers = 0 });
        using var projector = served.Projector is null ? null
            : MtmdContext.Load(served.Projector, model, new MtmdOptions { Threads = _options.Threads, ImageMaxTokens = _options.ImageMaxTokens });
        using var cache = projector is null ? null : new ImageEmbeddingCache(
            _options.EmbeddingCacheDirectory ?? Path.Combine(_options.OutputDirectory, "embeddings"), projector, imageMaxTokens: _options.ImageMaxTokens);
        using var preparer = _vision is null ? null : new VisionImagePreparer(_vision.TokenPixels, _options.ImageMaxTokens);
        var prompts = TrainingPrompts.For(_options.ModelPath, projector?.Marker ?? ChatMarkup.DefaultMediaMarker);
        if (prompts.Options.ThinkingFormat == ThinkingFormat.ThinkingCheckpoint)
            message?.Invoke("Thinking checkpoint (its chat template opens <think>): rationale targets are its own \"<think>\\n…\\n</think>\\n\\n\" block, answers without one the empty block");
        var builder = new TrainingDataBuilder(model, projector, cache, prompts, preparer);
        if (model.InputEmbeddingSize != inputEmbeddingSize)
            throw new InvalidDataException($"{served.LanguageModel}: embedding size {model.InputEmbeddingSize} differs from the checkpoint's {inputEmbeddingSize}; it is not the same model.");
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
        using var _ = no_grad();
        for (var start = 0; start < examples.Count; start += _options.BatchSize)
        {
            var chunk = examples.Skip(start).Take(_options.BatchSize).ToArray();
            var perSample = PerSequenceLosses(chunk.Select(e => _examples[e].With(_examples[e].SftTarget)).ToArray());
            perSample.CopyTo(losses, start);
        }
        return losses;
    }

    /// <summary>The mean answer-token NLL of each sequence.</summary>
    public double[] PerSequenceLosses(IReadOnlyList<TrainingSequence> sequences)
    {
        using var scope = NewDisposeScope();
        using var batch = TorchBatch.Create(sequences, _model.InputEmbeddingSize, OutputRows.Supervised, _model.Device);
        var logits = _model.Logits(batch, ImageEmbeddings(sequences));
        var nll = TorchTensors.ToFloats(F.cross_entropy(logits.to(ScalarType.Float32), batch.Labels, reduction: nn.Reduction.None));
        var result = new double[sequences.Count];
        var at = 0;
        for (var s = 0; s < sequences.Count; s++)
        {
            var n = batch.RowsPerSequence[s];
            double sum = 0;
            for (var i = 0; i < n; i++) sum += nll[at + i];
            result[s] = n == 0 ? double.NaN : sum / n;
            at += n;
        }
        return result;
    }

    /// <summary>
    /// Forward + backward of one batch; adds d(Σ token NLL)/dθ to every trainable tensor's <c>.grad</c>. Returns the
    /// summed loss and the supervised-token count, so accumulated gradients can be turned into the token-level mean.
    /// </summary>
    public (double LossSum, int Tokens, int Rows) Backward(IReadOnlyList<TrainingSequence> sequences)
    {
        using var scope = NewDisposeScope();
        using var batch = TorchBatch.Create(sequences, _model.InputEmbeddingSize, OutputRows.Supervised, _model.Device);
        if (batch.OutputCount == 0)
            throw new ArgumentException("The batch has no supervised tokens (empty answers?).");
        var logits = _model.Logits(batch, ImageEmbeddings(sequences));
        var loss = F.cross_entropy(logits.to(ScalarType.Float32), batch.Labels, reduction: nn.Reduction.Sum);
        loss.backward();
        return (loss.item<float>(), batch.OutputCount, batch.RealTokens);
    }

    /// <summary>
    /// The trained tower's embeddings of every image in <paramref name="sequences"/>, in the order the batch lays out
    /// image rows (sequence by sequence, segment by segment); null while the tower is frozen (the cached rows serve).
    /// </summary>
    private Tensor? ImageEmbeddings(IReadOnlyList<TrainingSequence> sequences)
    {
        if (_vision is null)
            return null;
        var images = new List<Tensor>();
        foreach (var image in sequences.SelectMany(s => s.Segments).OfType<ImageSegment>())
        {
            var prepared = image.Pixels ?? throw new InvalidOperationException("An image segment has no pixels for the trained vision tower.");
            using var pixels = _vision.Pixels(prepared.Rgb, prepared.Width, prepared.Height, _preprocessor!, prepared.Label);
            images.Add(_vision.Embed(pixels));
        }
        return images.Count == 0 ? null : cat(images, 0);
    }

    private static (string, Tensor)[] Sorted(IReadOnlyDictionary<string, Tensor> parameters) =>
        parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value)).ToArray();

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
            var micro = 0;
            var stepStart = next; // where the step being accumulated began: a stop resumes there
            double stepLoss = 0;
            var stepTokens = 0;
            var stepSupervised = 0;
            var clock = Stopwatch.StartNew();
            while (next < items.Count)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    ZeroGradients();
                    hooks.OnCheckpoint?.Invoke(new TrainerPosition(epoch, stepStart, step, losses));
                    return TrainingOutcome.Stopped;
                }
                var batchItems = items.Skip(next).Take(_options.BatchSize).ToArray();
                if (_options.Strategy == TrainingStrategy.Dynamic && _options.Refresh == LossRefresh.Step)
                    batchItems = ChooseNow(batchItems, choices);
                var (lossSum, supervised, rows) = Backward(batchItems.Select(item => _examples[item.Example].With(Target(item))).ToArray());
                stepLoss += lossSum;
                stepSupervised += supervised;
                stepTokens += rows;
                micro++;
                next += batchItems.Length;
                if (micro == _options.GradientAccumulation || next >= items.Count)
                {
                    var norm = Finish(stepSupervised);
                    var lr = hooks.LearningRate(step);
                    _optimizer.Step(lr);
                    ZeroGradients();
                    step++;
                    var seconds = clock.Elapsed.TotalSeconds;
                    var loss = stepLoss / stepSupervised;
                    epochLosses.Add(loss);
                    hooks.OnStep?.Invoke(new StepRecord(step, epoch + 1, loss, lr, norm, stepTokens, stepTokens / Math.Max(seconds, 1e-9), seconds));
                    micro = 0;
                    stepLoss = 0;
                    stepTokens = 0;
                    stepSupervised = 0;
                    stepStart = next;
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

    /// <summary>Divides the summed gradients by the supervised-token count and clips their global norm; returns the norm before clipping.</summary>
    private double Finish(int supervisedTokens)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        double squared = 0;
        foreach (var (_, p) in _trainable)
        {
            using var g = p.grad;
            if (g is null) continue;
            g.div_(supervisedTokens);
            squared += g.to(ScalarType.Float64).pow(2).sum().item<double>();
        }
        var norm = Math.Sqrt(squared);
        if (_options.MaxGradientNorm > 0 && norm > _options.MaxGradientNorm)
        {
            var scale = _options.MaxGradientNorm / norm;
            foreach (var (_, p) in _trainable)
            {
                using var g = p.grad;
                g?.mul_(scale);
            }
        }
        return norm;
    }

    private void ZeroGradients()
    {
        foreach (var (_, p) in _trainable)
        {
            using var g = p.grad;
            g?.zero_();
        }
    }

    public void Dispose()
    {
        _optimizer?.Dispose();
        _model?.Dispose();
        _vision?.Lora?.Dispose();
        _vision?.Dispose();
    }
}
