namespace DynamicCot.LlamaCpp.Native;

/// <summary>Which native build to load.</summary>
public enum LlamaBackendPreference
{
    /// <summary>The CUDA build when it is installed and the CUDA 12 runtime loads; otherwise the CPU build.</summary>
    Auto,
    /// <summary>Always the CPU build.</summary>
    Cpu,
    /// <summary>The CUDA build; fail if it is not installed or the CUDA runtime is missing.</summary>
    Cuda,
}

/// <summary>
/// Where the native engine comes from. Settings are read once, when the library is first loaded; set them
/// (or the environment variables) before any engine call.
/// </summary>
public sealed class LlamaLibraryOptions
{
    /// <summary>Environment variable: explicit path of the library file. Wins over everything else.</summary>
    public const string LibraryPathVariable = "DYNAMICCOT_LLAMA_LIBRARY";

    /// <summary>Environment variable: <c>auto</c>, <c>cpu</c> or <c>cuda</c>.</summary>
    public const string BackendVariable = "DYNAMICCOT_LLAMA_BACKEND";

    /// <summary>Explicit path of the native library (the configuration setting). Null: use the environment or the app's runtimes folder.</summary>
    public string? LibraryPath { get; set; }

    /// <summary>Which build to pick from the runtimes folder when no explicit path is given. Null: the environment, else Auto.</summary>
    public LlamaBackendPreference? Backend { get; set; }

    /// <summary>Folder to search for the builds; defaults to <c>{AppContext.BaseDirectory}/runtimes/linux-x64/native</c>.</summary>
    public string? RuntimesFolder { get; set; }

    public static LlamaBackendPreference ParseBackend(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => LlamaBackendPreference.Auto,
        "cpu" => LlamaBackendPreference.Cpu,
        "cuda" or "cuda12" or "gpu" => LlamaBackendPreference.Cuda,
        _ => throw new ArgumentException($"Unknown llama backend '{text}' (from {BackendVariable} or configuration): expected auto, cpu or cuda."),
    };
}
