using DynamicCot.Finetune.Torch;
using static TorchSharp.torch;

namespace DynamicCot.Finetune.Training;

/// <summary>AdamW settings.</summary>
public sealed record AdamWOptions
{
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.999f;
    public float Epsilon { get; init; } = 1e-8f;
    public float WeightDecay { get; init; } = 0.01f;
}

/// <summary>
/// AdamW (decoupled weight decay) over named tensors, written out in tensor ops rather than TorchSharp's
/// <c>optim.AdamW</c> so that its moments are plain named tensors: a checkpoint saves and restores them by name, and
/// a resume continues bit for bit. The update is PyTorch's: <c>p ← p·(1 − lr·wd) − lr·m̂/(√v̂ + ε)</c>.
/// </summary>
public sealed class AdamWOptimizer : IDisposable
{
    private readonly IReadOnlyList<(string Name, Tensor Tensor)> _parameters;
    private readonly Dictionary<string, (Tensor M, Tensor V)> _moments = new(StringComparer.Ordinal);

    public AdamWOptimizer(IReadOnlyList<(string Name, Tensor Tensor)> parameters, AdamWOptions options)
    {
        _parameters = parameters;
        Options = options;
        foreach (var (name, tensor) in parameters)
            _moments[name] = (zeros_like(tensor).detach(), zeros_like(tensor).detach());
    }

    public AdamWOptions Options { get; }

    /// <summary>Completed optimizer steps (AdamW's t).</summary>
    public long Steps { get; private set; }

    /// <summary>Applies one update with each parameter's <c>.grad</c> (already averaged and clipped) at <paramref name="learningRate"/>.</summary>
    public void Step(float learningRate)
    {
        Steps++;
        var correction1 = 1.0 - Math.Pow(Options.Beta1, Steps);
        var correction2 = 1.0 - Math.Pow(Options.Beta2, Steps);
        using var _ = no_grad();
        foreach (var (name, p) in _parameters)
        {
            using var grad = p.grad;
            if (grad is null)
                throw new InvalidOperationException($"No gradient reached '{name}'.");
            var (m, v) = _moments[name];
            m.mul_(Options.Beta1).add_(grad, alpha: 1 - Options.Beta1);
            v.mul_(Options.Beta2).addcmul_(grad, grad, value: 1 - Options.Beta2);
            p.mul_(1 - learningRate * Options.WeightDecay);
            using var denominator = (v / correction2).sqrt_().add_(Options.Epsilon);
            p.addcdiv_(m, denominator, value: -learningRate / correction1);
        }
    }

    /// <summary>The moments, for checkpoints.</summary>
    public IReadOnlyDictionary<string, (float[] M, float[] V)> ExportState() =>
        _moments.ToDictionary(p => p.Key, p => (TorchTensors.ToFloats(p.Value.M), TorchTensors.ToFloats(p.Value.V)), StringComparer.Ordinal);

    /// <summary>Restores moments and the step count from a checkpoint.</summary>
    public void ImportState(IReadOnlyDictionary<string, (float[] M, float[] V)> state, long steps)
    {
        foreach (var (name, (m, v)) in _moments)
        {
            if (!state.TryGetValue(name, out var saved))
                throw new InvalidDataException($"The checkpoint has no optimizer state for '{name}'.");
            TorchTensors.CopyInto(m, saved.M);
            TorchTensors.CopyInto(v, saved.V);
        }
        Steps = steps;
    }

    public void Dispose()
    {
        foreach (var (m, v) in _moments.Values)
        {
            m.Dispose();
            v.Dispose();
        }
    }
}
