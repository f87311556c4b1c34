using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DynamicCot.Finetune.Torch;

/// <summary>
/// The models' matrix products — linear layers and attention — in the run's <see cref="MatmulPrecision"/>: the one
/// place mixed precision happens. TorchSharp 0.107 has no autocast, so with BF16 the operands are cast here and the
/// result is cast back to the input's type; autograd carries the gradients through both casts, so weights and their
/// gradients stay F32. A weight stored in BF16 (a frozen LoRA base) is upcast to the activations' type for an F32
/// product, one matrix at a time, so the model never holds an F32 copy of itself.
/// </summary>
public static class Matmul
{
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias, MatmulPrecision precision)
    {
        if (precision == MatmulPrecision.Fp32 && weight.dtype == x.dtype)
            return F.linear(x, weight, bias);
        if (precision == MatmulPrecision.Fp32)
        {
            // A weight stored narrower than the activations (a BF16 frozen base): upcast it for this product only.
            using var upcastScope = NewDisposeScope();
            return F.linear(x, weight.to(x.dtype), bias).MoveToOuterDisposeScope();
        }
        using var scope = NewDisposeScope();
        var y = F.linear(x.to(ScalarType.BFloat16), weight.to(ScalarType.BFloat16), bias?.to(ScalarType.BFloat16));
        return y.to(x.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Scaled dot-product attention; <paramref name="mask"/> is additive (float) or null.</summary>
    public static Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, bool causal, MatmulPrecision precision)
    {
        if (precision == MatmulPrecision.Fp32)
            return F.scaled_dot_product_attention(q, k, v, attn_mask: mask, is_casual: causal);
        using var scope = NewDisposeScope();
        var y = F.scaled_dot_product_attention(q.to(ScalarType.BFloat16), k.to(ScalarType.BFloat16), v.to(ScalarType.BFloat16),
            attn_mask: mask?.to(ScalarType.BFloat16), is_casual: causal);
        return y.to(q.dtype).MoveToOuterDisposeScope();
    }
}
