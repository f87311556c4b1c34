using System.Runtime.InteropServices;
using TorchSharp;

namespace DynamicCot.Finetune.Torch;

/// <summary>
/// Process-wide LibTorch settings, applied once before the first tensor: the OpenMP wait policy and the thread counts.
/// LibTorch's bundled libgomp reads <c>OMP_WAIT_POLICY</c> when it is loaded; its default spin-wait makes a step many
/// times slower when other processes share the cores, so unless the user chose a policy it is set to <c>PASSIVE</c>
/// through libc's <c>setenv</c> (.NET's own environment block is not what native code reads).
/// </summary>
public static partial class TorchRuntime
{
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";
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
                if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(WaitPolicyVariable)))
                {
                    Environment.SetEnvironmentVariable(WaitPolicyVariable, "PASSIVE");
                    if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
                        _ = SetEnv(WaitPolicyVariable, "PASSIVE", 0);
                }
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

    [LibraryImport("libc.so.6", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
