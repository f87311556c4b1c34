namespace DynamicCot.Llama.Native;

/// <summary>
/// What the native build must report for the raw ggml/gguf bindings (the trainer's) to be valid: they mirror the
/// ggml of <c>LLamaSharp.Backend.Cpu</c> 0.30.0 (<c>ggml_commit()</c> = 815a2a591, ggml 0.18.0, built with
/// <c>GGML_MAX_NAME = 64</c>). Any other build is refused at load with a message saying what differs. The package's
/// release notes name llama.cpp c0c7e147, but the ggml commit its libraries report is the one of llama.cpp b10221
/// (2026-08-01); the ggml-cuda module in bench/gpu is built from that ggml (bench/README.md, GPU section).
/// </summary>
public static class LlamaBuildExpectations
{
    public const string LlamaSharpVersion = "0.30.0";
    public const string GgmlCommit = "815a2a591";
    /// <summary>The llama.cpp commit LLamaSharp 0.30.0's release notes name (the libraries themselves report <see cref="GgmlCommit"/>).</summary>
    public const string LlamaCppCommit = "c0c7e147";

    /// <summary><c>ggml_tensor_overhead()</c>: encodes <c>sizeof(ggml_tensor)</c>, which depends on <c>GGML_MAX_NAME</c>.</summary>
    public const nuint TensorOverhead = 368;

    public const int GgmlMaxName = 64;

    public static string Describe => $"LLamaSharp.Backend.Cpu {LlamaSharpVersion} (ggml {GgmlCommit}, GGML_MAX_NAME {GgmlMaxName})";
}
