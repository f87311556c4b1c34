using System.Runtime.InteropServices;

namespace DynamicCot.Inference.Native;

// ggml-opt.h: ggml's optimizer driver (AdamW/SGD over a graph built by the caller).
// llama.h's llama_opt_init/llama_opt_epoch are deliberately not bound: they abort in this build (llama-cpp-abi.md §3.2).
public static unsafe partial class NativeApi
{

    [LibraryImport(LibraryName)]
    public static partial void ggml_opt_free(nint context);

    [LibraryImport(LibraryName)]
    public static partial void ggml_opt_result_free(nint result);

}
