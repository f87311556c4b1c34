namespace DynamicCot.Llama;

/// <summary>
/// The one thread default for native compute — llama.cpp decoding, the quantizer, LoRA merging, LibTorch training —
/// and image decoding: every core this process may use (<see cref="Environment.ProcessorCount"/>, which honours CPU
/// affinity and container limits). On a shared machine set fewer explicitly; with OpenMP's PASSIVE wait policy
/// (<see cref="OpenMpEnvironment"/>) all cores of a 2-core machine were fastest for prompts and equal for generation
/// (bench/README.md).
/// </summary>
public static class LlamaThreads
{
    public static int Default => Math.Max(1, Environment.ProcessorCount);

    /// <summary><paramref name="requested"/> when positive, else <see cref="Default"/> (0 means "automatic" in settings and options).</summary>
    public static int Resolve(int requested) => requested > 0 ? requested : Default;
}
