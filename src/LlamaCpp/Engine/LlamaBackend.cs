using DynamicCot.LlamaCpp.Native;
using Microsoft.Extensions.Logging;

namespace DynamicCot.LlamaCpp.Engine;

/// <summary>One compute device the engine can use.</summary>
public sealed record BackendDevice(
    string Name, string Description, GgmlBackendDeviceType Type, string Registry, ulong MemoryFreeBytes, ulong MemoryTotalBytes);

/// <summary>
/// Process-wide engine start-up: loads and checks the native library, routes its log, and initialises the backends.
/// Safe to call many times; the first call does the work.
/// </summary>
public static class LlamaBackend
{
    private static readonly object Gate = new();
    private static bool _initialized;

    /// <summary>Initialises the engine. Throws <see cref="LlamaLibraryException"/> when the library is missing or not the pinned build.</summary>
    public static LoadedLlamaLibrary Initialize(ILoggerFactory? loggerFactory = null)
    {
        lock (Gate)
        {
            var library = LlamaLibrary.EnsureLoaded();
            if (!_initialized || loggerFactory is not null)
                NativeLog.Attach(loggerFactory);
            if (!_initialized)
            {
                NativeApi.llama_backend_init();
                _initialized = true;
            }
            return library;
        }
    }

    /// <summary>The engine's compile-time feature line (<c>llama_print_system_info</c>).</summary>
    public static string SystemInfo()
    {
        Initialize();
        return (NativeApi.PtrToString(NativeApi.llama_print_system_info()) ?? string.Empty).Trim();
    }

    /// <summary>The devices registered with ggml (CPU always; GPUs with the CUDA build).</summary>
    public static unsafe IReadOnlyList<BackendDevice> Devices()
    {
        Initialize();
        var count = (int)NativeApi.ggml_backend_dev_count();
        var devices = new List<BackendDevice>(count);
        for (var i = 0; i < count; i++)
        {
            var device = NativeApi.ggml_backend_dev_get((nuint)i);
            nuint free = 0, total = 0;
            NativeApi.ggml_backend_dev_memory(device, &free, &total);
            devices.Add(new BackendDevice(
                NativeApi.PtrToString(NativeApi.ggml_backend_dev_name(device)) ?? "?",
                NativeApi.PtrToString(NativeApi.ggml_backend_dev_description(device)) ?? "?",
                NativeApi.ggml_backend_dev_type(device),
                NativeApi.PtrToString(NativeApi.ggml_backend_reg_name(NativeApi.ggml_backend_dev_backend_reg(device))) ?? "?",
                free, total));
        }
        return devices;
    }

    /// <summary>Whether the loaded build can offload layers to a GPU.</summary>
    public static bool SupportsGpuOffload()
    {
        Initialize();
        return NativeApi.llama_supports_gpu_offload();
    }
}
