using DynamicCot.Llama;
using TorchSharp;

namespace DynamicCot.Finetune.Torch;

/// <summary>
/// Process-wide LibTorch settings, applied once before the first tensor: the OpenMP wait policy and the thread counts.
/// LibTorch's bundled libgomp reads <c>OMP_WAIT_POLICY</c> when it is loaded, as llama.cpp's does; the one owner of
/// that policy, <see cref="OpenMpEnvironment"/>, sets it (<c>PASSIVE</c> unless the user chose one).
/// </summary>
public static partial class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static bool _initialized;

    /// <summary>Sets the wait policy (if unset) and the intra-op thread count; inter-op work stays on one thread.</summary>
    public static void Initialize(int threads)
    {
        if (threads < 1)
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "At least one thread is needed.");
        lock (Gate)
        {
            if (!_initialized)
            {
                OpenMpEnvironment.Apply();
                torch.set_num_interop_threads(1);
                _initialized = true;
            }
            torch.set_num_threads(threads);
        }
    }

    /// <summary>The device for <c>--device</c>: <c>cpu</c>, or <c>cuda</c> when the CUDA build of LibTorch is present.</summary>
    public static torch.Device Device(string name) => name.Trim().ToLowerInvariant() switch
    {
        "cpu" => torch.CPU,
        "cuda" => torch.cuda.is_available()
            ? torch.CUDA
            : throw new ArgumentException("--device cuda: no CUDA device is available to LibTorch (build with -p:TorchCuda=true on a host with an NVIDIA GPU; see docs/training.md)."),
        var other => throw new ArgumentException($"--device '{other}': use cpu or cuda."),
    };

}
