namespace DynamicCot.Finetune.ModelOptions;

/// <summary>Which projections get LoRA adapters, and their size.</summary>
public sealed record LoraOptions
{
    public int Rank { get; init; } = 8;

    public float Alpha { get; init; } = 16;

    /// <summary>Projection names as in the GGUF (<c>attn_q</c>, <c>attn_k</c>, <c>attn_v</c>, <c>attn_output</c>, <c>ffn_gate</c>, <c>ffn_up</c>, <c>ffn_down</c>).</summary>
    public IReadOnlyList<string> Targets { get; init; } = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"];

    public ulong Seed { get; init; } = 1234;

    public float Scale => Alpha / Rank;

    public static readonly IReadOnlySet<string> KnownTargets = new HashSet<string> { "attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down" };

    public void Validate()
    {
        if (Rank is < 1 or > 1024) throw new ArgumentException($"LoRA rank must be 1–1024, got {Rank}.");
        if (Alpha <= 0) throw new ArgumentException($"LoRA alpha must be positive, got {Alpha}.");
        if (Targets.Count == 0) throw new ArgumentException("LoRA needs at least one target projection.");
        foreach (var target in Targets)
            if (!KnownTargets.Contains(target))
                throw new ArgumentException($"Unknown LoRA target '{target}': expected {string.Join(", ", KnownTargets)}.");
    }
}
