namespace DynamicCot.Finetune.Torch;

/// <summary>The number format the models' matrix products (linear layers, attention) run in; weights stay F32 either way.</summary>
public enum MatmulPrecision
{
    /// <summary>Everything in F32.</summary>
    Fp32,
    /// <summary>
    /// Mixed precision: each linear layer and attention casts its inputs to BF16, multiplies, and returns F32; weights,
    /// gradients, optimizer state, norms, rotary and the loss stay F32.
    /// </summary>
    Bf16,
}

public static class MatmulPrecisions
{
    public static MatmulPrecision Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fp32" or "f32" or "float32" => MatmulPrecision.Fp32,
        "bf16" or "bfloat16" => MatmulPrecision.Bf16,
        _ => throw new ArgumentException($"--precision '{text}': use fp32 or bf16."),
    };

    public static string Name(this MatmulPrecision precision) => precision == MatmulPrecision.Bf16 ? "bf16" : "fp32";
}
