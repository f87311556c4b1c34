using System.Reflection;
using System.Runtime.InteropServices;

namespace DynamicCot.LlamaCpp.Native;

/// <summary>
/// Finds, opens and checks the native engine, and answers the runtime's <see cref="DllImportResolver"/> for
/// <see cref="NativeApi.LibraryName"/>. The library is opened once, lazily (<c>dlopen(RTLD_LAZY)</c>: the npm build
/// has unresolved Node-API imports that are never called), and only if it is the pinned build.
/// </summary>
public static class LlamaLibrary
{
    private static readonly object Gate = new();
    private static LlamaLibraryOptions _options = new();
    private static LoadedLlamaLibrary? _loaded;
    private static bool _resolverInstalled;

    /// <summary>The library that was loaded, or null before the first engine call.</summary>
    public static LoadedLlamaLibrary? Loaded => Volatile.Read(ref _loaded);

    /// <summary>Sets where the library comes from. Only allowed before it is loaded.</summary>
    public static void Configure(LlamaLibraryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (Gate)
        {
            if (_loaded is not null)
                throw new InvalidOperationException($"The native library is already loaded from '{_loaded.Path}'; configure it before the first engine call.");
            _options = options;
        }
    }

    /// <summary>Loads and checks the library if it is not loaded yet; returns what was loaded.</summary>
    public static LoadedLlamaLibrary EnsureLoaded()
    {
        var loaded = Volatile.Read(ref _loaded);
        if (loaded is not null)
            return loaded;
        lock (Gate)
        {
            if (_loaded is not null)
                return _loaded;
            InstallResolver();
            var (path, backend) = Locate(_options);
            var handle = LlamaLibraryValidator.OpenVerified(path);
            _loaded = new LoadedLlamaLibrary(path, backend, handle);
            return _loaded;
        }
    }

    private static void InstallResolver()
    {
        if (_resolverInstalled)
            return;
        NativeLibrary.SetDllImportResolver(typeof(LlamaLibrary).Assembly, Resolve);
        _resolverInstalled = true;
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        => libraryName == NativeApi.LibraryName ? EnsureLoaded().Handle : 0;

    /// <summary>Which file would be loaded for these options, and which build it is, without loading it.</summary>
    public static (string Path, LlamaBackendPreference Backend) Locate(LlamaLibraryOptions options)
    {
        var explicitPath = options.LibraryPath;
        if (string.IsNullOrWhiteSpace(explicitPath))
            explicitPath = Environment.GetEnvironmentVariable(LlamaLibraryOptions.LibraryPathVariable);
        if (!string.IsNullOrWhiteSpace(explicitPath))
            return (Path.GetFullPath(explicitPath), LlamaBackendPreference.Auto);

        var backend = options.Backend
            ?? LlamaLibraryOptions.ParseBackend(Environment.GetEnvironmentVariable(LlamaLibraryOptions.BackendVariable));
        var folder = options.RuntimesFolder ?? Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        var cpu = Path.Combine(folder, LlamaBuildExpectations.CpuFileName);
        var cuda = Path.Combine(folder, LlamaBuildExpectations.CudaFileName);

        switch (backend)
        {
            case LlamaBackendPreference.Cuda:
                if (!File.Exists(cuda))
                    throw new LlamaLibraryException(cuda,
                        $"The CUDA build was requested but '{cuda}' does not exist. Install it with `npm ci --prefix native/cuda` " +
                        $"({LlamaBuildExpectations.CudaNpmPackage}) and rebuild, or choose the CPU build.");
                if (!CudaRuntimePresent(out var missing))
                    throw new LlamaLibraryException(cuda,
                        $"The CUDA build was requested but the CUDA 12 runtime is missing ({missing} could not be loaded). Install the CUDA 12 runtime (libcudart, libcublas) and the NVIDIA driver.");
                return (cuda, LlamaBackendPreference.Cuda);
            case LlamaBackendPreference.Auto when File.Exists(cuda) && CudaRuntimePresent(out _):
                return (cuda, LlamaBackendPreference.Cuda);
            default:
                if (!File.Exists(cpu))
                    throw new LlamaLibraryException(cpu,
                        $"The native engine was not found at '{cpu}'. Run `npm ci` in the repository root and rebuild, " +
                        $"or set {LlamaLibraryOptions.LibraryPathVariable} to the library of {LlamaBuildExpectations.Describe}.");
                return (cpu, LlamaBackendPreference.Cpu);
        }
    }

    private static bool CudaRuntimePresent(out string missing)
    {
        foreach (var name in new[] { "libcuda.so.1", "libcudart.so.12", "libcublas.so.12" })
        {
            if (!NativeLibrary.TryLoad(name, out var handle))
            {
                missing = name;
                return false;
            }
            NativeLibrary.Free(handle);
        }
        missing = string.Empty;
        return true;
    }
}

/// <summary>The native library in use.</summary>
public sealed record LoadedLlamaLibrary(string Path, LlamaBackendPreference Backend, nint Handle);
