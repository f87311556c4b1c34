using System.CommandLine;
using DynamicCot.Llama;

namespace DynamicCot.Cli;

/// <summary>Command-line options every engine-using verb shares: which native build to load.</summary>
public static class EngineOptions
{
    public static readonly Option<string?> CpuVariant = new("--cpu-variant")
    {
        Description = $"auto, noavx, avx, avx2 or avx512: which CPU build of llama.cpp to load (default: {LlamaRuntimeOptions.CpuVariantVariable}, else auto).",
    };

    public static readonly Option<string?> Backend = new("--backend")
    {
        Description = $"auto, cpu or cuda (default: {LlamaRuntimeOptions.BackendVariable}, else auto; cuda needs a build with -p:DynamicCotCuda=true).",
    };

    public static void AddTo(Command command)
    {
        command.Options.Add(CpuVariant);
        command.Options.Add(Backend);
    }

    /// <summary>Applies the options before the first engine call.</summary>
    public static void Apply(ParseResult parse)
    {
        var variant = parse.GetValue(CpuVariant);
        var backend = parse.GetValue(Backend);
        if (variant is null && backend is null)
            return;
        LlamaRuntime.Configure(new LlamaRuntimeOptions
        {
            CpuVariant = variant is null ? null : CpuVariants.Parse(variant, "--cpu-variant"),
            Cuda = backend?.Trim().ToLowerInvariant() switch
            {
                null or "auto" => null,
                "cpu" => false,
                "cuda" or "cuda12" or "gpu" => true,
                _ => throw new ArgumentException($"Unknown --backend '{backend}': expected auto, cpu or cuda."),
            },
        });
    }
}
