using DynamicCot.Finetune.Model;
using DynamicCot.LlamaCpp.Native;

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
/// AdamW with ggml's own update op (<c>ggml_opt_step_adamw</c>): the moments live next to the parameters in a
/// backend buffer, and a small persistent graph applies one step to every trainable tensor from gradients the
/// trainer accumulated and clipped on the host.
/// </summary>
public sealed class AdamWOptimizer : IDisposable
{
    private readonly GgmlCpuBackend _backend;
    private readonly IReadOnlyList<(string Name, nint Tensor)> _parameters;
    private readonly GgmlTensorStore _state;
    private readonly ComputeContext _compute;
    private readonly nint _graph;
    private readonly nint _hyper;
    private readonly Dictionary<string, nint> _gradInputs = new(StringComparer.Ordinal);

    public AdamWOptimizer(GgmlCpuBackend backend, IReadOnlyList<(string Name, nint Tensor)> parameters, AdamWOptions options)
    {
        _backend = backend;
        _parameters = parameters;
        Options = options;
        _state = new GgmlTensorStore(parameters.Count * 3 + 1);
        foreach (var (name, tensor) in parameters)
        {
            var shape = GgmlTensorStore.ShapeOf(tensor);
            _state.Create(name + ".m", GgmlType.F32, [shape[0], shape[1], shape[2], shape[3]]);
            _state.Create(name + ".v", GgmlType.F32, [shape[0], shape[1], shape[2], shape[3]]);
            _gradInputs[name] = _state.Create(name + ".grad", GgmlType.F32, [shape[0], shape[1], shape[2], shape[3]]);
        }
        _hyper = _state.Create("adamw.params", GgmlType.F32, [7]);
        _state.Allocate(backend);

        _compute = new ComputeContext(backend, parameters.Count * 4 + 16);
        _graph = _compute.NewGraph(grads: false);
        foreach (var (name, tensor) in parameters)
        {
            var step = NativeApi.ggml_opt_step_adamw(_compute.Context, tensor, _gradInputs[name], _state[name + ".m"], _state[name + ".v"], _hyper);
            NativeApi.ggml_build_forward_expand(_graph, step);
        }
        _compute.Allocate(_graph);
    }

    public AdamWOptions Options { get; }

    /// <summary>Completed optimizer steps (AdamW's t).</summary>
    public long Steps { get; private set; }

    /// <summary>Applies one update with <paramref name="gradients"/> (already averaged and clipped) at learning rate <paramref name="learningRate"/>.</summary>
    public void Step(IReadOnlyDictionary<string, float[]> gradients, float learningRate)
    {
        foreach (var (name, _) in _parameters)
            GgmlTensorStore.Write(_gradInputs[name], gradients[name]);
        Steps++;
        // ggml's layout (ggml-opt.cpp): alpha, beta1, beta2, eps, wd, 1/(1-beta1^t), 1/(1-beta2^t).
        float[] hyper =
        [
            learningRate, Options.Beta1, Options.Beta2, Options.Epsilon, Options.WeightDecay,
            (float)(1.0 / (1.0 - Math.Pow(Options.Beta1, Steps))), (float)(1.0 / (1.0 - Math.Pow(Options.Beta2, Steps))),
        ];
        GgmlTensorStore.Write(_hyper, hyper);
        _compute.Compute(_graph);
    }

    /// <summary>The moments, for checkpoints.</summary>
    public IReadOnlyDictionary<string, (float[] M, float[] V)> ExportState() =>
        _parameters.ToDictionary(p => p.Name, p => (GgmlTensorStore.ReadFloats(_state[p.Name + ".m"]), GgmlTensorStore.ReadFloats(_state[p.Name + ".v"])));

    /// <summary>Restores moments and the step count from a checkpoint.</summary>
    public void ImportState(IReadOnlyDictionary<string, (float[] M, float[] V)> state, long steps)
    {
        foreach (var (name, _) in _parameters)
        {
            if (!state.TryGetValue(name, out var moments))
                throw new InvalidDataException($"The checkpoint has no optimizer state for '{name}'.");
            GgmlTensorStore.Write(_state[name + ".m"], moments.M);
            GgmlTensorStore.Write(_state[name + ".v"], moments.V);
        }
        Steps = steps;
    }

    public void Dispose()
    {
        _compute.Dispose();
        _state.Dispose();
    }
}
