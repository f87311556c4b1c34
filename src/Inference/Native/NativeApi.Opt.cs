using System.Runtime.InteropServices;

namespace DynamicCot.Inference.Native;

// ggml-opt.h: ggml's optimizer driver (AdamW/SGD over a graph built by the caller).
// llama.h's llama_opt_init/llama_opt_epoch are deliberately not bound: they abort in this build (llama-cpp-abi.md §3.2).
public static unsafe partial class NativeApi
{
    [LibraryImport(LibraryName)]
    public static partial GgmlOptParams ggml_opt_default_params(SafeGgmlBackendSchedHandle scheduler, GgmlOptLossType lossType);

    [LibraryImport(LibraryName)]
    public static partial GgmlOptOptimizerParams ggml_opt_get_default_optimizer_params(nint userData);

    [LibraryImport(LibraryName)]
    public static partial SafeGgmlOptContextHandle ggml_opt_init(GgmlOptParams parameters);

    [LibraryImport(LibraryName)]
    public static partial void ggml_opt_free(nint context);

    [LibraryImport(LibraryName)]
    public static partial void ggml_opt_reset(SafeGgmlOptContextHandle context, [MarshalAs(UnmanagedType.U1)] bool optimizer);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_opt_inputs(SafeGgmlOptContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_opt_outputs(SafeGgmlOptContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_opt_labels(SafeGgmlOptContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_opt_loss(SafeGgmlOptContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_opt_grad_acc(SafeGgmlOptContextHandle context, nint node);

    [LibraryImport(LibraryName)]
    public static partial void ggml_opt_prepare_alloc(SafeGgmlOptContextHandle context, nint computeContext, nint forwardGraph, nint inputs, nint outputs);

    [LibraryImport(LibraryName)]
    public static partial void ggml_opt_alloc(SafeGgmlOptContextHandle context, [MarshalAs(UnmanagedType.U1)] bool backward);

    [LibraryImport(LibraryName)]
    public static partial void ggml_opt_eval(SafeGgmlOptContextHandle context, nint result);

    [LibraryImport(LibraryName)]
    public static partial SafeGgmlOptResultHandle ggml_opt_result_init();

    [LibraryImport(LibraryName)]
    public static partial void ggml_opt_result_free(nint result);

    [LibraryImport(LibraryName)]
    public static partial void ggml_opt_result_reset(SafeGgmlOptResultHandle result);

    [LibraryImport(LibraryName)]
    public static partial void ggml_opt_result_loss(SafeGgmlOptResultHandle result, double* loss, double* uncertainty);
}
