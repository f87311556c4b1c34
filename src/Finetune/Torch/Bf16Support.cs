using static TorchSharp.torch;

namespace DynamicCot.Finetune.Torch;

/// <summary>The device cannot run the chosen <c>--precision</c>.</summary>
public sealed class PrecisionNotSupportedException(string message, Exception? inner = null) : NotSupportedException(message, inner), DynamicCot.Keyphrases.IUserFacingError;

/// <summary>
/// Whether a device can run <c>--precision bf16</c>. TorchSharp 0.107 does not expose a CUDA device's compute
/// capability, so the check is the operation itself: a small BF16 matrix product on the device, whose result must be
/// exact (its values are small integers, which BF16 represents exactly). CPUs always pass — LibTorch computes BF16 on
/// any x86 or ARM CPU, natively where AVX512-BF16/AMX exist, by conversion otherwise (slower; see docs/training.md).
/// </summary>
public static class Bf16Support
{
    public static void Require(Device device) => Require(device.ToString(), () => Probe(device));

    /// <summary>Runs <paramref name="probe"/> (true: BF16 works) and turns a failure into an error naming the option.</summary>
    internal static void Require(string deviceName, Func<bool> probe)
    {
        bool works;
        Exception? failure = null;
        try
        {
            works = probe();
        }
        catch (Exception e) when (e is not PrecisionNotSupportedException)
        {
            works = false;
            failure = e;
        }
        if (!works)
            throw new PrecisionNotSupportedException(
                $"--precision bf16: the {deviceName} device cannot multiply BF16 matrices{(failure is null ? " correctly" : $" ({failure.Message.Split('\n')[0]})")}; use --precision fp32.",
                failure);
    }

    private static bool Probe(Device device)
    {
        using var scope = NewDisposeScope();
        // [[1, 2], [3, 4]]² = [[7, 10], [15, 22]]
        var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]).to(ScalarType.BFloat16, device);
        var product = a.matmul(a).to(ScalarType.Float32, CPU);
        return product.data<float>().ToArray().SequenceEqual([7f, 10f, 15f, 22f]);
    }
}
