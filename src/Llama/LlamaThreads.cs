namespace DynamicCot.Llama;

/// <summary>Thread defaults for the engine.</summary>
public static class LlamaThreads
{
    /// <summary>
    /// All cores, at most 2 on machines with up to 4 cores. Measured on a shared 2-core machine (bench/README.md):
    /// with OpenMP's PASSIVE wait policy 2 threads are fastest for prompts and equal for generation.
    /// </summary>
    public static int Default => Math.Max(1, Environment.ProcessorCount);
}
