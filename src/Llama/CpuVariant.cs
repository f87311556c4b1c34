using System.Runtime.Intrinsics.X86;
using DynamicCot.Llama.Native;
using LLama.Native;

namespace DynamicCot.Llama;

/// <summary>Which of LLamaSharp's x86-64 CPU builds to load.</summary>
public enum CpuVariant
{
    /// <summary>The best build this CPU runs (LLamaSharp's own detection, falling back to lower ones).</summary>
    Auto,
    NoAvx,
    Avx,
    Avx2,
    Avx512,
}

/// <summary>
/// Checks a requested CPU build against the instructions this CPU has, before anything is loaded: a build that uses
/// instructions the CPU lacks would die with SIGILL at the first matrix multiply, not fail to load.
/// </summary>
public static class CpuVariants
{
    public static CpuVariant Parse(string? text, string source) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => CpuVariant.Auto,
        "noavx" or "none" or "sse" => CpuVariant.NoAvx,
        "avx" => CpuVariant.Avx,
        "avx2" => CpuVariant.Avx2,
        "avx512" => CpuVariant.Avx512,
        _ => throw new ArgumentException($"Unknown CPU variant '{text}' (from {source}): expected auto, noavx, avx, avx2 or avx512."),
    };

    public static string Name(CpuVariant variant) => variant switch
    {
        CpuVariant.NoAvx => "noavx",
        CpuVariant.Avx => "avx",
        CpuVariant.Avx2 => "avx2",
        CpuVariant.Avx512 => "avx512",
        _ => "auto",
    };

    /// <summary>The instruction-set extensions this CPU reports that matter for the choice.</summary>
    public static IReadOnlyList<string> CpuFeatures()
    {
        var features = new List<string>();
        if (Avx.IsSupported) features.Add("avx");
        if (Avx2.IsSupported) features.Add("avx2");
        if (Fma.IsSupported) features.Add("fma");
        if (Avx512F.IsSupported) features.Add("avx512f");
        if (Avx512BW.IsSupported) features.Add("avx512bw");
        if (Avx512Vbmi.IsSupported) features.Add("avx512vbmi");
        return features;
    }

    /// <summary>What the CPU lacks to run <paramref name="variant"/>; null when it can run it.</summary>
    public static string? MissingFor(CpuVariant variant) => variant switch
    {
        CpuVariant.Avx when !Avx.IsSupported => "AVX",
        CpuVariant.Avx2 when !(Avx2.IsSupported && Fma.IsSupported) => "AVX2/FMA",
        CpuVariant.Avx512 when !(Avx512F.IsSupported && Avx512BW.IsSupported) => "AVX-512 (F, BW)",
        _ => null,
    };

    /// <summary>Throws <see cref="LlamaLibraryException"/> when this CPU cannot run <paramref name="variant"/>.</summary>
    public static void EnsureRunnable(CpuVariant variant, string source)
    {
        var missing = MissingFor(variant);
        if (missing is null)
            return;
        var has = CpuFeatures();
        throw new LlamaLibraryException(null,
            $"The {Name(variant)} build of the native engine was requested ({source}) but this CPU lacks {missing} " +
            $"(it has: {(has.Count == 0 ? "none of avx/avx2/avx512" : string.Join(", ", has))}); it would crash with an illegal instruction. " +
            "Use 'auto' or a lower variant.");
    }

    internal static AvxLevel ToAvxLevel(CpuVariant variant) => variant switch
    {
        CpuVariant.NoAvx => AvxLevel.None,
        CpuVariant.Avx => AvxLevel.Avx,
        CpuVariant.Avx2 => AvxLevel.Avx2,
        CpuVariant.Avx512 => AvxLevel.Avx512,
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };
}
