using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using LlamaSharpApi = LLama.Native.NativeApi;

namespace DynamicCot.Llama;

/// <summary>One compute device the engine can use, and the buffer type ggml allocates on it.</summary>
public sealed record BackendDevice(string Name, string BufferType);

/// <summary>Process-wide engine start-up and facts about the loaded build. Safe to call many times.</summary>
public static class LlamaBackend
{
    /// <summary>Loads the engine (see <see cref="LlamaRuntime"/>). Throws <see cref="Native.LlamaLibraryException"/> with the reason.</summary>
    public static LoadedLlamaRuntime Initialize(ILoggerFactory? loggerFactory = null) => LlamaRuntime.EnsureLoaded(loggerFactory);

    /// <summary>The engine's compile-time feature line (<c>llama_print_system_info</c>).</summary>
    public static string SystemInfo()
    {
        Initialize();
        return (Marshal.PtrToStringUTF8(LlamaSharpApi.llama_print_system_info()) ?? string.Empty).Trim();
    }

    /// <summary>The devices registered with ggml (CPU always; GPUs with the CUDA build).</summary>
    public static IReadOnlyList<BackendDevice> Devices()
    {
        Initialize();
        var count = (int)LlamaSharpApi.ggml_backend_dev_count();
        var devices = new List<BackendDevice>(count);
        for (var i = 0; i < count; i++)
        {
            var device = LlamaSharpApi.ggml_backend_dev_get((nuint)i);
            devices.Add(new BackendDevice(
                Marshal.PtrToStringUTF8(LlamaSharpApi.ggml_backend_dev_name(device)) ?? "?",
                Marshal.PtrToStringUTF8(LlamaSharpApi.ggml_backend_buft_name(LlamaSharpApi.ggml_backend_dev_buffer_type(device))) ?? "?"));
        }
        return devices;
    }

    /// <summary>Whether the loaded build can offload layers to a GPU.</summary>
    public static bool SupportsGpuOffload()
    {
        Initialize();
        return LlamaSharpApi.llama_supports_gpu_offload();
    }
}
