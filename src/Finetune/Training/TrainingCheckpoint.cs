using DynamicCot.ModelFiles.Lora;

namespace DynamicCot.Finetune.Training;

/// <summary>AdamW's first and second moments of one trainable tensor, flattened in the tensor's element order.</summary>
public sealed class AdamWMoments
{
    public AdamWMoments(float[] m, float[] v)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(v);
        if (m.Length != v.Length)
            throw new ArgumentException($"AdamW m has {m.Length} values but v has {v.Length}");
        M = m;
        V = v;
    }

    public float[] M { get; }

    public float[] V { get; }
}

/// <summary>Optimizer state: the number of AdamW updates done (for bias correction) and the moments by tensor name.</summary>
public sealed record OptimizerState(long StepCount, IReadOnlyDictionary<string, AdamWMoments> Moments)
{
    /// <summary>From <c>AdamWOptimizer.ExportState()</c> and <c>AdamWOptimizer.Steps</c>.</summary>
    public static OptimizerState From(IReadOnlyDictionary<string, (float[] M, float[] V)> moments, long steps) =>
        new(steps, moments.ToDictionary(p => p.Key, p => new AdamWMoments(p.Value.M, p.Value.V), StringComparer.Ordinal));

    /// <summary>For <c>AdamWOptimizer.ImportState(state.ToTuples(), state.StepCount)</c>.</summary>
    public IReadOnlyDictionary<string, (float[] M, float[] V)> ToTuples() =>
        Moments.ToDictionary(p => p.Key, p => (p.Value.M, p.Value.V), StringComparer.Ordinal);
}

/// <summary>
/// Everything a run needs to continue exactly where it stopped. Saved and loaded by <see cref="TrainingCheckpointStore"/>.
/// </summary>
public sealed record TrainingCheckpoint
{
    /// <summary>Optimizer steps done.</summary>
    public required long Step { get; init; }

    /// <summary>The epoch in progress (1-based, as logged).</summary>
    public required int Epoch { get; init; }

    /// <summary>Samples of <see cref="DataOrder"/> already consumed in <see cref="Epoch"/>; training continues at this index.</summary>
    public required int PositionInEpoch { get; init; }

    /// <summary>The epoch's sample order (indices into the dataset), so a resume visits the same samples in the same order.</summary>
    public required int[] DataOrder { get; init; }

    /// <summary>The seed the orders are drawn from (order of epoch e = f(seed, e)); kept to check a resume uses the same data settings.</summary>
    public ulong DataOrderSeed { get; init; }

    /// <summary>State of the run's random generator (dropout-free LoRA needs it only for shuffling and sampling).</summary>
    public required ulong RngState { get; init; }

    public required OptimizerState Optimizer { get; init; }

    /// <summary>The trained LoRA weights (LoRA runs); saved as an adapter GGUF that llama.cpp can load directly.</summary>
    public LoraAdapter? Adapter { get; init; }

    /// <summary>Full fine-tuning: every trained weight by checkpoint name (row-major float32); empty for LoRA runs.</summary>
    public IReadOnlyDictionary<string, float[]> Weights { get; init; } = new Dictionary<string, float[]>();

    /// <summary>The run's options as a JSON object (the trainer's own type, serialized), to refuse resuming with other settings.</summary>
    public required string RunOptionsJson { get; init; }

    /// <summary>Dynamic CoT: each sample's latest SFT loss under the model, by dataset index; NaN where not computed yet.</summary>
    public double[] SampleSftLosses { get; init; } = [];
}
