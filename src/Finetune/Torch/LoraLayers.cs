using DynamicCot.Finetune.Model;
using DynamicCot.ModelFiles.Lora;
using DynamicCot.ModelFiles.Qwen;
using static TorchSharp.torch;

namespace DynamicCot.Finetune.Torch;

/// <summary>
/// Trainable LoRA matrices for the chosen projections of every layer: for a frozen <c>W</c> <c>[out, in]</c>,
/// <c>A</c> is <c>[r, in]</c> and <c>B</c> <c>[out, r]</c> — row-major, the same bytes llama.cpp's adapter loader
/// reads as ggml ne <c>[in, r]</c> and <c>[r, out]</c> — and the layer computes <c>W·x + (α/r)·B·(A·x)</c>. A starts
/// from a seeded Gaussian (std 1/√in), B at zero, so training starts from the base model exactly.
/// </summary>
public sealed class LoraLayers : IDisposable
{
    private readonly Dictionary<string, (Tensor A, Tensor B, string GgufName)> _byWeight = new(StringComparer.Ordinal);

    public LoraLayers(QwenTextModel model, LoraOptions options)
    {
        options.Validate();
        Options = options;
        for (var layer = 0; layer < model.Text.NumHiddenLayers; layer++)
            foreach (var target in options.Targets)
                Add(QwenTextModel.ProjectionName(layer, target), $"blk.{layer}.{target}.weight", model.Parameters, model.DType, model.Device);
    }

    /// <summary>
    /// Adapters on the vision tower's projections that correspond to the chosen targets (the fused <c>attn.qkv</c> for
    /// any of attn_q/k/v, <c>attn.proj</c> for attn_output, the MLP matrices for ffn_*). They are named by their
    /// checkpoint weight: llama.cpp cannot load adapters on an mmproj, so they are only ever merged into the weights.
    /// </summary>
    public LoraLayers(QwenVisionModel model, LoraOptions options)
    {
        options.Validate();
        Options = options;
        for (var block = 0; block < model.Vision.Depth; block++)
            foreach (var weightName in model.ProjectionNames(block, options.Targets))
                Add(weightName, weightName, model.Parameters, model.DType, model.Device);
    }

    private void Add(string weightName, string ggufName, IReadOnlyDictionary<string, Tensor> parameters, ScalarType dtype, Device device)
    {
        var shape = parameters[weightName].shape;
        long outFeatures = shape[0], inFeatures = shape[1];
        var a = new float[Options.Rank * inFeatures];
        DeterministicRandom.ForTensor(Options.Seed, ggufName).FillGaussian(a, 0f, (float)(1.0 / Math.Sqrt(inFeatures)));
        var tensorA = tensor(a, [Options.Rank, inFeatures]).to(dtype, device).requires_grad_();
        var tensorB = zeros([outFeatures, Options.Rank], dtype, device).requires_grad_();
        _byWeight[weightName] = (tensorA, tensorB, ggufName);
    }

    public LoraOptions Options { get; }

    public bool TryGet(string weightName, out (Tensor A, Tensor B) pair)
    {
        if (_byWeight.TryGetValue(weightName, out var entry))
        {
            pair = (entry.A, entry.B);
            return true;
        }
        pair = default;
        return false;
    }

    /// <summary>Every trainable tensor by a stable name (the adapter's <c>blk.N.target.weight.lora_a/b</c>), in name order.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> Trainable =>
        _byWeight.Values.SelectMany(e => new[] { (e.GgufName + ".lora_a", e.A), (e.GgufName + ".lora_b", e.B) })
            .OrderBy(t => t.Item1, StringComparer.Ordinal).ToArray();

    /// <summary>The checkpoint weights that have adapters (HF names).</summary>
    public IEnumerable<string> TargetWeights => _byWeight.Keys;

    /// <summary>The current weights as a llama.cpp LoRA adapter (GGUF names).</summary>
    public LoraAdapter ToAdapter(string architecture, LoraAdapterInfo? info = null)
    {
        var adapter = new LoraAdapter(architecture, Options.Alpha, info);
        foreach (var (_, (a, b, gguf)) in _byWeight.OrderBy(e => e.Value.GgufName, StringComparer.Ordinal))
            adapter.Add(new LoraTensorPair(gguf, Options.Rank, (int)a.shape[1], (int)b.shape[0], TorchTensors.ToFloats(a), TorchTensors.ToFloats(b)));
        return adapter;
    }

    /// <summary>Overwrites the weights with <paramref name="adapter"/>'s (resume); it must have the same targets, ranks and alpha.</summary>
    /// <exception cref="LoraAdapterException">A target, shape or alpha differs (the message names the tensor).</exception>
    public void LoadFrom(LoraAdapter adapter, string sourcePath)
    {
        if (adapter.Alpha != Options.Alpha)
            throw new LoraAdapterException(sourcePath, null, $"alpha is {adapter.Alpha} but the run uses {Options.Alpha}");
        var names = _byWeight.Values.Select(e => e.GgufName).ToHashSet(StringComparer.Ordinal);
        foreach (var extra in adapter.TargetNames.Where(n => !names.Contains(n)))
            throw new LoraTargetMissingException(sourcePath, extra, "the run's LoRA targets");
        foreach (var (a, b, gguf) in _byWeight.Values)
        {
            if (!adapter.TryGet(gguf, out var source))
                throw new LoraAdapterException(sourcePath, gguf, "the run trains this weight but the adapter has no pair for it");
            if (source.Rank != a.shape[0] || source.InFeatures != a.shape[1] || source.OutFeatures != b.shape[0])
                throw new LoraShapeMismatchException(sourcePath, gguf,
                    $"the adapter has rank {source.Rank}, n_in {source.InFeatures}, n_out {source.OutFeatures}; the run has rank {a.shape[0]}, n_in {a.shape[1]}, n_out {b.shape[0]}");
            TorchTensors.CopyInto(a, source.A);
            TorchTensors.CopyInto(b, source.B);
        }
    }

    /// <summary><c>W + (α/r)·B·A</c> for <paramref name="weightName"/>, as a new F32 tensor on the CPU (one weight's worth of memory).</summary>
    public Tensor Merged(string weightName, Tensor weight)
    {
        var (a, b, _) = _byWeight[weightName];
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var merged = weight.to(ScalarType.Float32) + b.matmul(a).to(ScalarType.Float32) * Options.Scale;
        return merged.to(ScalarType.Float32, CPU).contiguous().MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var (a, b, _) in _byWeight.Values)
        {
            a.Dispose();
            b.Dispose();
        }
    }
}
