using System.Runtime.InteropServices;
using DynamicCot.Llama;

namespace DynamicCot.Bench.EngineCuda;

/// <summary>Registers a ggml-cuda backend module in the libggml the engine already loaded.</summary>
internal static class CudaModule
{
    // ggml_backend_load lives in the libggml.so the engine already loaded (same path, so the same instance): the module
    // registers its devices there, and llama.cpp offloads to them like to a linked-in backend.
    public static unsafe void Register(LoadedLlamaRuntime runtime, string module)
    {
        var handle = NativeLibrary.Load(Path.Combine(runtime.Directory, "libggml.so"));
        var load = (delegate* unmanaged<byte*, nint>)NativeLibrary.GetExport(handle, "ggml_backend_load");
        var count = (delegate* unmanaged<nuint>)NativeLibrary.GetExport(handle, "ggml_backend_dev_count");
        var get = (delegate* unmanaged<nuint, nint>)NativeLibrary.GetExport(handle, "ggml_backend_dev_get");
        var description = (delegate* unmanaged<nint, byte*>)NativeLibrary.GetExport(handle, "ggml_backend_dev_description");
        var path = System.Text.Encoding.UTF8.GetBytes(module + "\0");
        fixed (byte* p = path)
            if (load(p) == 0)
                throw new InvalidOperationException($"ggml_backend_load refused {module}");
        for (nuint i = 0; i < count(); i++)
            Console.WriteLine($"device {i}: {Marshal.PtrToStringUTF8((nint)description(get(i)))}");
    }
}
