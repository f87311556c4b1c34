using static TorchSharp.torch;

namespace DynamicCot.Finetune.Torch;

/// <summary>Copies between tensors and float arrays (checkpoints, adapters, merged weights).</summary>
public static class TorchTensors
{
    public static float[] ToFloats(Tensor t)
    {
        using var _ = no_grad();
        using var cpu = t.detach().to(ScalarType.Float32, CPU).contiguous();
        return cpu.data<float>().ToArray();
    }

    /// <summary>Overwrites <paramref name="target"/>'s values (keeping its dtype, device and grad flag).</summary>
    public static void CopyInto(Tensor target, float[] values)
    {
        if (values.LongLength != target.numel())
            throw new ArgumentException($"{values.Length} values for a tensor of {target.numel()} elements.");
        using var _ = no_grad();
        using var source = tensor(values, target.shape);
        target.copy_(source);
    }
}
