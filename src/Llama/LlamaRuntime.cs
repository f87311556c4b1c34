using System.Reflection;
using System.Runtime.InteropServices;
using DynamicCot.Llama.Native;
using LLama.Native;
using Microsoft.Extensions.Logging;
using LlamaSharpApi = LLama.Native.NativeApi;

namespace DynamicCot.Llama;

/// <summary>How the native engine is loaded. Read once, at the first load; set it (or the environment) before.</summary>
public sealed record LlamaRuntimeOptions
{
    /// <summary>Environment variable: <c>auto</c>, <c>noavx</c>, <c>avx</c>, <c>avx2</c> or <c>avx512</c>.</summary>
    public const string CpuVariantVariable = "DYNAMICCOT_LLAMA_CPU";

    /// <summary>Environment variable: <c>auto</c> (CUDA when its build and runtime are present), <c>cpu</c> or <c>cuda</c>.</summary>
    public const string BackendVariable = "DYNAMICCOT_LLAMA_BACKEND";

    /// <summary>Which CPU build; null: the environment, else <see cref="CpuVariant.Auto"/>.</summary>
    public CpuVariant? CpuVariant { get; init; }

    /// <summary>Use the CUDA build (<c>-p:DynamicCotCuda=true</c>); null: the environment, else only when present.</summary>
    public bool? Cuda { get; init; }
}

/// <summary>The native engine in use.</summary>
public sealed record LoadedLlamaRuntime(
    string LibraryPath, string Directory, string Variant, bool Cuda, string? OpenMpWaitPolicy, bool OpenMpWaitPolicyFromUser,
    string GgmlCommit, nuint TensorOverhead);

/// <summary>
/// Process-wide start of the native engine, which LLamaSharp loads (llama, ggml, mtmd from <c>LLamaSharp.Backend.*</c>).
/// Before the load it sets OpenMP's wait policy (<see cref="OpenMpEnvironment"/>), refuses a CPU build this CPU cannot
/// run, and routes the native log (<see cref="NativeLog"/>). After it, it checks that the ggml loaded is the one the
/// trainer's raw bindings mirror, and points those bindings at it, so a process holds one copy of ggml.
/// </summary>
public static class LlamaRuntime
{
    private static readonly object Gate = new();
    private static LlamaRuntimeOptions _options = new();
    private static LoadedLlamaRuntime? _loaded;
    private static nint _libraryHandle;
    private static Exception? _failure;
    // Kept in a field: native code holds on to it for the life of the process.
    private static readonly NativeLogConfig.LLamaLogCallback LogCallback = NativeLog.OnMessage;

    public static LoadedLlamaRuntime? Loaded => Volatile.Read(ref _loaded);

    /// <summary>Sets how the engine is loaded. Only allowed before it is loaded.</summary>
    public static void Configure(LlamaRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (Gate)
        {
            if (_loaded is not null)
                throw new InvalidOperationException($"The native engine is already loaded from '{_loaded.LibraryPath}'; configure it before the first engine call.");
            _options = options;
        }
    }

    /// <summary>Loads and checks the engine if it is not loaded yet. Throws <see cref="LlamaLibraryException"/> with the reason.</summary>
    public static LoadedLlamaRuntime EnsureLoaded(ILoggerFactory? loggerFactory = null)
    {
        if (loggerFactory is not null)
            NativeLog.Attach(loggerFactory);
        var loaded = Volatile.Read(ref _loaded);
        if (loaded is not null)
            return loaded;
        lock (Gate)
        {
            if (_loaded is not null)
                return _loaded;
            // A failed native load cannot be retried in-process (LLamaSharp caches it); repeat the first reason.
            if (_failure is not null)
                throw new LlamaLibraryException(null, _failure.Message, _failure);
            try
            {
                _loaded = Load(_options);
                return _loaded;
            }
            catch (Exception e)
            {
                _failure = e;
                throw;
            }
        }
    }

    private static LoadedLlamaRuntime Load(LlamaRuntimeOptions options)
    {
        var variant = options.CpuVariant
            ?? CpuVariants.Parse(Environment.GetEnvironmentVariable(LlamaRuntimeOptions.CpuVariantVariable), LlamaRuntimeOptions.CpuVariantVariable);
        var source = options.CpuVariant is null ? $"{LlamaRuntimeOptions.CpuVariantVariable}={CpuVariants.Name(variant)}" : "engine options";
        CpuVariants.EnsureRunnable(variant, source);
        var cuda = options.Cuda ?? ParseBackend(Environment.GetEnvironmentVariable(LlamaRuntimeOptions.BackendVariable));

        OpenMpEnvironment.Apply();

        var config = NativeLibraryConfig.All.WithLogCallback(LogCallback);
        // A forced CPU variant means exactly that build: LLamaSharp's policy only offers a CPU candidate without
        // fallback when GPU builds are not preferred.
        if (variant != CpuVariant.Auto)
            config = config.WithCuda(false).WithVulkan(false).WithAvx(CpuVariants.ToAvxLevel(variant)).WithAutoFallback(false);
        else if (cuda is bool useCuda)
            config = config.WithCuda(useCuda).WithVulkan(false);
        else
            config = config.WithVulkan(false);

        using (var capture = NativeLog.Capture())
        {
            try
            {
                // Any call loads llama (and runs llama_backend_init); the marker call loads mtmd.
                LlamaSharpApi.llama_empty_call();
                _ = LlamaSharpApi.MtmdDefaultMarker();
            }
            catch (Exception e) when (e is not LlamaLibraryException)
            {
                throw new LlamaLibraryException(null,
                    $"LLamaSharp could not load the native engine ({CpuVariants.Name(variant)}, {(cuda == true ? "CUDA" : "CPU")}): {Describe(e)}{capture.Explanation()} " +
                    $"Expected {LlamaBuildExpectations.Describe} in the application's runtimes/ folder (restored from NuGet).", e);
            }
        }

        var mapped = MappedLibraries();
        var llama = mapped.Where(p => Path.GetFileName(p) == "libllama.so").Distinct().ToArray();
        if (llama.Length != 1)
            throw new LlamaLibraryException(null, $"Expected one libllama.so in the process after loading, found {llama.Length}: {string.Join(", ", llama)}.");
        var directory = Path.GetDirectoryName(llama[0])!;
        foreach (var name in new[] { "libggml-base.so", "libggml-cpu.so", "libggml.so", "libmtmd.so" })
        {
            var copies = mapped.Where(p => Path.GetFileName(p) == name).Distinct().ToArray();
            if (copies.Length != 1 || Path.GetDirectoryName(copies[0]) != directory)
                throw new LlamaLibraryException(llama[0],
                    $"The process should hold one {name}, beside {llama[0]}; it holds {(copies.Length == 0 ? "none" : string.Join(", ", copies))}.");
        }

        var mtmdPath = Path.Combine(directory, "libmtmd.so");
        _libraryHandle = NativeLibrary.Load(mtmdPath);
        var (commit, overhead) = Verify(mtmdPath, _libraryHandle);
        RouteMtmdLog(_libraryHandle);
        NativeLibrary.SetDllImportResolver(typeof(LlamaRuntime).Assembly, Resolve);

        var metadata = LlamaSharpApi.GetLoadedNativeLibrary(NativeLibraryName.LLama)?.Metadata;
        var variantName = metadata is null ? Path.GetFileName(directory) : metadata.UseCuda ? "cuda" : metadata.AvxLevel switch
        {
            AvxLevel.None => "noavx",
            AvxLevel.Avx => "avx",
            AvxLevel.Avx2 => "avx2",
            AvxLevel.Avx512 => "avx512",
            _ => Path.GetFileName(directory),
        };
        if (cuda == true && metadata?.UseCuda != true)
            throw new LlamaLibraryException(llama[0],
                $"The CUDA build was requested ({LlamaRuntimeOptions.BackendVariable} or --backend) but the {variantName} CPU build was loaded: " +
                "build with -p:DynamicCotCuda=true (adds LLamaSharp.Backend.Cuda12) and install the CUDA 12 runtime and an NVIDIA driver.");
        var (policy, fromUser) = OpenMpEnvironment.WaitPolicy;
        return new LoadedLlamaRuntime(llama[0], directory, variantName, metadata?.UseCuda ?? false, policy, fromUser, commit, overhead);
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        => libraryName == Native.NativeApi.LibraryName ? EnsureLoadedHandle() : 0;

    private static nint EnsureLoadedHandle()
    {
        EnsureLoaded();
        return _libraryHandle;
    }

    /// <summary>Refuses a ggml whose layout differs from the one the raw bindings mirror.</summary>
    private static unsafe (string Commit, nuint Overhead) Verify(string path, nint handle)
    {
        var commit = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)NativeLibrary.GetExport(handle, "ggml_commit"))()) ?? "?";
        var overhead = ((delegate* unmanaged<nuint>)NativeLibrary.GetExport(handle, "ggml_tensor_overhead"))();
        if (overhead != LlamaBuildExpectations.TensorOverhead)
            throw new LlamaLibraryException(path,
                $"The ggml loaded from '{path}' has ggml_tensor_overhead() = {overhead}; the bindings mirror {LlamaBuildExpectations.TensorOverhead} " +
                $"(GGML_MAX_NAME {LlamaBuildExpectations.GgmlMaxName}). Its struct layout differs: use {LlamaBuildExpectations.Describe}.");
        if (commit != LlamaBuildExpectations.GgmlCommit)
            throw new LlamaLibraryException(path,
                $"The ggml loaded from '{path}' reports ggml_commit() = \"{commit}\"; the bindings mirror \"{LlamaBuildExpectations.GgmlCommit}\". Use {LlamaBuildExpectations.Describe}.");
        return (commit, overhead);
    }

    /// <summary>
    /// mtmd and its helpers log through their own logger, which LLamaSharp 0.30 does not hook: point both at
    /// <see cref="NativeLog"/> so their lines reach the application's logging (and load errors) instead of stderr.
    /// Called through the exports directly: the bindings' resolver is not usable while the engine is still loading.
    /// </summary>
    private static unsafe void RouteMtmdLog(nint handle)
    {
        delegate* unmanaged<int, byte*, nint, void> callback = &NativeLog.OnMtmdMessage;
        foreach (var export in new[] { "mtmd_log_set", "mtmd_helper_log_set" })
            ((delegate* unmanaged<delegate* unmanaged<int, byte*, nint, void>, nint, void>)NativeLibrary.GetExport(handle, export))(callback, 0);
    }

    /// <summary>Paths of the shared objects mapped into this process.</summary>
    public static IReadOnlyList<string> MappedLibraries()
    {
        var result = new List<string>();
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var slash = line.IndexOf('/');
            if (slash >= 0 && line.Contains(".so", StringComparison.Ordinal))
                result.Add(line[slash..].Trim());
        }
        return result.Distinct().ToArray();
    }

    private static string Describe(Exception e)
    {
        var messages = new List<string>();
        for (var current = e; current is not null; current = current.InnerException)
            if (current is not TypeInitializationException)
                messages.Add(current.Message.Trim());
        return string.Join(" ", messages.Distinct());
    }

    private static bool? ParseBackend(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => null,
        "cpu" => false,
        "cuda" or "cuda12" or "gpu" => true,
        _ => throw new ArgumentException($"Unknown llama backend '{text}' (from {LlamaRuntimeOptions.BackendVariable}): expected auto, cpu or cuda."),
    };
}
