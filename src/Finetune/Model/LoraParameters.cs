using DynamicCot.LlamaCpp.Native;
using DynamicCot.Quantize.Qwen;

namespace DynamicCot.Finetune.Model;

/// <summary>
/// Trainable LoRA matrices for the chosen projections of every layer: for a frozen <c>W</c> with ggml ne
/// <c>[n_in, n_out]</c>, <c>A</c> has ne <c>[n_in, r]</c> and <c>B</c> ne <c>[r, n_out]</c> — the layout llama.cpp's
/// adapter loader expects — and the layer computes <c>W·x + (alpha/r)·B·(A·x)</c>. A starts random, B at zero, so
/// training starts from the base model exactly.
/// </summary>
public sealed class LoraParameters : IDisposable
{
    private readonly GgmlTensorStore _store;
    private readonly Dictionary<string, (nint A, nint B)> _byWeight = new(StringComparer.Ordinal);

    public LoraParameters(QwenLmWeights weights, LoraOptions options, GgmlCpuBackend backend)
    {
        options.Validate();
        Options = options;
        var layers = weights.HyperParameters.LayerCount;
        _store = new GgmlTensorStore(layers * options.Targets.Count * 2);
        try
        {
            for (var layer = 0; layer < layers; layer++)
            {
                foreach (var target in options.Targets)
                {
                    var name = $"blk.{layer}.{target}.weight";
                    var shape = GgmlTensorStore.ShapeOf(weights[name]);
                    var a = _store.Create(name + ".lora_a", GgmlType.F32, [shape[0], options.Rank]);
                    var b = _store.Create(name + ".lora_b", GgmlType.F32, [options.Rank, shape[1]]);
                    NativeApi.ggml_set_param(a);
                    NativeApi.ggml_set_param(b);
                    _byWeight[name] = (a, b);
                }
            }
            _store.Allocate(backend);
            foreach (var (name, (a, _)) in _byWeight)
            {
                var shape = GgmlTensorStore.ShapeOf(a);
                var values = new float[shape[0] * shape[1]];
                // Kaiming-style init scaled by fan-in; B stays zero (the store is zeroed).
                DeterministicRandom.ForTensor(options.Seed, name).FillGaussian(values, 0f, (float)(1.0 / Math.Sqrt(shape[0])));
                GgmlTensorStore.Write(a, values);
            }
        }
        catch
        {
            _store.Dispose();
            throw;
        }
    }

    public LoraOptions Options { get; }

    /// <summary>Every trainable tensor, in a fixed order (the optimizer state follows it).</summary>
    public IReadOnlyList<(string Name, nint Tensor)> Trainable =>
        _store.Tensors.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => (t.Key, t.Value)).ToArray();

    public bool TryGet(string weightName, out (nint A, nint B) pair) => _byWeight.TryGetValue(weightName, out pair);

    public IEnumerable<string> TargetWeights => _byWeight.Keys;

    public void Dispose() => _store.Dispose();
}
