namespace DynamicCot.LlamaCpp.Native;

/// <summary>
/// What the pinned native build must report. The bindings mirror this exact build (llama.cpp 22dc605 from
/// npm <c>@fugood/node-llama-linux-x64@1.7.15</c>, built with <c>GGML_MAX_NAME = 80</c>); any other build is refused.
/// </summary>
public static class LlamaBuildExpectations
{
    public const string Commit = "22dc605";
    public const string NpmPackage = "@fugood/node-llama-linux-x64@1.7.15";
    public const string CudaNpmPackage = "@fugood/node-llama-linux-x64-cuda@1.7.15";
    public const nuint TensorOverhead = 384;
    public const int ModelParamsSize = 72;
    public const int ContextParamsSize = 160;
    public const int MtmdContextParamsSize = 80;
    public const int GgmlOptParamsSize = 72;

    /// <summary>File names of the builds in an output's <c>runtimes/linux-x64/native/</c> folder.</summary>
    public const string CpuFileName = "libllama-22dc605-cpu.so";
    public const string CudaFileName = "libllama-22dc605-cuda12.so";

    public static string Describe => $"llama.cpp {Commit} ({NpmPackage}, or {CudaNpmPackage} for CUDA)";
}
