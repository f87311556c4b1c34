using System.Runtime.InteropServices;
using DynamicCot.Gguf;

namespace DynamicCot.Inference.Native;

// ggml.h, ggml-alloc.h, ggml-backend.h, ggml-cpu.h: contexts, tensors, graph ops (those with a verified backward pass),
// graphs and autodiff, backends and devices, quantization.
// Tensors (`ggml_tensor*`) and graphs (`ggml_cgraph*`) are plain pointers: their ggml context owns them, and the
// builder that created them keeps that context alive. `ctx` parameters are `ggml_context*` for the same reason.
public static unsafe partial class NativeApi
{
    // ---- process-wide ----

    [LibraryImport(LibraryName)]
    public static partial nint ggml_set_abort_callback(delegate* unmanaged<byte*, void> callback);

    [LibraryImport(LibraryName)]
    public static partial void ggml_log_set(delegate* unmanaged<GgmlLogLevel, byte*, nint, void> callback, nint userData);

    [LibraryImport(LibraryName)]
    public static partial nuint ggml_tensor_overhead();

    [LibraryImport(LibraryName)]
    public static partial nuint ggml_graph_overhead();

    [LibraryImport(LibraryName)]
    public static partial nuint ggml_graph_overhead_custom(nuint size, [MarshalAs(UnmanagedType.U1)] bool grads);

    // ---- types ----

    [LibraryImport(LibraryName)]
    public static partial long ggml_blck_size(GgmlType type);

    [LibraryImport(LibraryName)]
    public static partial nuint ggml_type_size(GgmlType type);

    [LibraryImport(LibraryName)]
    public static partial nuint ggml_row_size(GgmlType type, long ne);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_type_name(GgmlType type);

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool ggml_is_quantized(GgmlType type);

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool ggml_validate_row_data(GgmlType type, void* data, nuint nbytes);

    [LibraryImport(LibraryName)]
    public static partial void ggml_fp16_to_fp32_row(ushort* source, float* destination, long n);

    [LibraryImport(LibraryName)]
    public static partial void ggml_fp32_to_fp16_row(float* source, ushort* destination, long n);

    [LibraryImport(LibraryName)]
    public static partial void ggml_bf16_to_fp32_row(ushort* source, float* destination, long n);

    [LibraryImport(LibraryName)]
    public static partial void ggml_fp32_to_bf16_row(float* source, ushort* destination, long n);

    // ---- quantization ----

    [LibraryImport(LibraryName)]
    public static partial void ggml_quantize_init(GgmlType type);

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool ggml_quantize_requires_imatrix(GgmlType type);

    /// <summary>Quantizes <paramref name="nRows"/> rows starting at element <paramref name="start"/>; returns bytes written.</summary>
    [LibraryImport(LibraryName)]
    public static partial nuint ggml_quantize_chunk(GgmlType type, float* source, void* destination, long start, long nRows, long nPerRow, float* importanceMatrix);

    // ---- contexts and tensors ----

    [LibraryImport(LibraryName)]
    public static partial SafeGgmlContextHandle ggml_init(GgmlInitParams parameters);

    [LibraryImport(LibraryName)]
    public static partial void ggml_free(nint context);

    [LibraryImport(LibraryName)]
    public static partial nuint ggml_used_mem(nint context);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_new_tensor_1d(nint context, GgmlType type, long ne0);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_new_tensor_2d(nint context, GgmlType type, long ne0, long ne1);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_new_tensor_3d(nint context, GgmlType type, long ne0, long ne1, long ne2);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_new_tensor_4d(nint context, GgmlType type, long ne0, long ne1, long ne2, long ne3);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_dup_tensor(nint context, nint source);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ggml_get_tensor(nint context, string name);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_get_first_tensor(nint context);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_get_next_tensor(nint context, nint tensor);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ggml_set_name(nint tensor, string name);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_get_name(nint tensor);

    [LibraryImport(LibraryName)]
    public static partial void ggml_set_input(nint tensor);

    [LibraryImport(LibraryName)]
    public static partial void ggml_set_output(nint tensor);

    [LibraryImport(LibraryName)]
    public static partial void ggml_set_param(nint tensor);

    [LibraryImport(LibraryName)]
    public static partial void ggml_set_loss(nint tensor);

    [LibraryImport(LibraryName)]
    public static partial long ggml_nelements(nint tensor);

    [LibraryImport(LibraryName)]
    public static partial nuint ggml_nbytes(nint tensor);

    // ---- ops (each has a backward pass in this build, see llama-cpp-abi.md §3.1) ----

    [LibraryImport(LibraryName)]
    public static partial nint ggml_add(nint context, nint a, nint b);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_mul(nint context, nint a, nint b);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_scale(nint context, nint a, float s);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_sum(nint context, nint a);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_mean(nint context, nint a);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_silu(nint context, nint a);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_swiglu_split(nint context, nint a, nint b);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_rms_norm(nint context, nint a, float eps);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_mul_mat(nint context, nint a, nint b);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_cont(nint context, nint a);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_reshape_2d(nint context, nint a, long ne0, long ne1);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_reshape_3d(nint context, nint a, long ne0, long ne1, long ne2);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_reshape_4d(nint context, nint a, long ne0, long ne1, long ne2, long ne3);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_view_2d(nint context, nint a, long ne0, long ne1, nuint nb1, nuint offset);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_view_3d(nint context, nint a, long ne0, long ne1, long ne2, nuint nb1, nuint nb2, nuint offset);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_permute(nint context, nint a, int axis0, int axis1, int axis2, int axis3);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_transpose(nint context, nint a);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_get_rows(nint context, nint a, nint rows);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_soft_max_ext(nint context, nint a, nint mask, float scale, float maxBias);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_rope_ext(nint context, nint a, nint positions, nint freqFactors, int nDims, int mode, int nCtxOrig,
        float freqBase, float freqScale, float extFactor, float attnFactor, float betaFast, float betaSlow);

    /// <summary>M-RoPE: <paramref name="sections"/> points at four ints; <paramref name="positions"/> holds 4 × n positions, section-major.</summary>
    [LibraryImport(LibraryName)]
    public static partial nint ggml_rope_multi(nint context, nint a, nint positions, nint freqFactors, int nDims, int* sections, int mode, int nCtxOrig,
        float freqBase, float freqScale, float extFactor, float attnFactor, float betaFast, float betaSlow);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_cross_entropy_loss(nint context, nint logits, nint labels);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_opt_step_adamw(nint context, nint a, nint gradient, nint m, nint v, nint adamwParams);

    // ---- graphs and autodiff ----

    [LibraryImport(LibraryName)]
    public static partial nint ggml_new_graph_custom(nint context, nuint size, [MarshalAs(UnmanagedType.U1)] bool grads);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_graph_dup(nint context, nint graph, [MarshalAs(UnmanagedType.U1)] bool forceGrads);

    [LibraryImport(LibraryName)]
    public static partial void ggml_build_forward_expand(nint graph, nint tensor);

    [LibraryImport(LibraryName)]
    public static partial void ggml_build_backward_expand(nint context, nint graph, nint* gradAccumulators);

    [LibraryImport(LibraryName)]
    public static partial void ggml_graph_reset(nint graph);

    [LibraryImport(LibraryName)]
    public static partial int ggml_graph_n_nodes(nint graph);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_graph_node(nint graph, int i);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_graph_get_grad(nint graph, nint node);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_graph_get_grad_acc(nint graph, nint node);

    // ---- backends, buffers, allocation ----

    [LibraryImport(LibraryName)]
    public static partial nuint ggml_backend_dev_count();

    [LibraryImport(LibraryName)]
    public static partial nint ggml_backend_dev_get(nuint index);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_backend_dev_name(nint device);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_backend_dev_description(nint device);

    [LibraryImport(LibraryName)]
    public static partial void ggml_backend_dev_memory(nint device, nuint* free, nuint* total);

    [LibraryImport(LibraryName)]
    public static partial GgmlBackendDeviceType ggml_backend_dev_type(nint device);

    [LibraryImport(LibraryName)]
    public static partial void ggml_backend_dev_get_props(nint device, GgmlBackendDevProps* props);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_backend_dev_backend_reg(nint device);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_backend_reg_name(nint registry);

    [LibraryImport(LibraryName)]
    public static partial nuint ggml_backend_reg_count();

    [LibraryImport(LibraryName)]
    public static partial SafeGgmlBackendHandle ggml_backend_dev_init(nint device, byte* parameters);

    [LibraryImport(LibraryName)]
    public static partial SafeGgmlBackendHandle ggml_backend_cpu_init();

    [LibraryImport(LibraryName)]
    public static partial void ggml_backend_cpu_set_n_threads(SafeGgmlBackendHandle backend, int nThreads);

    [LibraryImport(LibraryName)]
    public static partial void ggml_backend_free(nint backend);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_backend_name(SafeGgmlBackendHandle backend);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_backend_get_default_buffer_type(SafeGgmlBackendHandle backend);

    [LibraryImport(LibraryName)]
    public static partial SafeGgmlBackendBufferHandle ggml_backend_alloc_ctx_tensors(nint context, SafeGgmlBackendHandle backend);

    [LibraryImport(LibraryName)]
    public static partial void ggml_backend_buffer_free(nint buffer);

    [LibraryImport(LibraryName)]
    public static partial void ggml_backend_buffer_clear(SafeGgmlBackendBufferHandle buffer, byte value);

    [LibraryImport(LibraryName)]
    public static partial nuint ggml_backend_buffer_get_size(SafeGgmlBackendBufferHandle buffer);

    [LibraryImport(LibraryName)]
    public static partial void ggml_backend_tensor_set(nint tensor, void* data, nuint offset, nuint size);

    [LibraryImport(LibraryName)]
    public static partial void ggml_backend_tensor_get(nint tensor, void* data, nuint offset, nuint size);

    [LibraryImport(LibraryName)]
    public static partial GgmlStatus ggml_backend_graph_compute(SafeGgmlBackendHandle backend, nint graph);

    [LibraryImport(LibraryName)]
    public static partial SafeGgmlGallocrHandle ggml_gallocr_new(nint bufferType);

    [LibraryImport(LibraryName)]
    public static partial void ggml_gallocr_free(nint allocator);

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool ggml_gallocr_reserve(SafeGgmlGallocrHandle allocator, nint graph);

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool ggml_gallocr_alloc_graph(SafeGgmlGallocrHandle allocator, nint graph);

    [LibraryImport(LibraryName)]
    public static partial nuint ggml_gallocr_get_buffer_size(SafeGgmlGallocrHandle allocator, int bufferId);

    [LibraryImport(LibraryName)]
    public static partial SafeGgmlBackendSchedHandle ggml_backend_sched_new(nint* backends, nint* bufferTypes, int nBackends, nuint graphSize,
        [MarshalAs(UnmanagedType.U1)] bool parallel, [MarshalAs(UnmanagedType.U1)] bool opOffload);

    [LibraryImport(LibraryName)]
    public static partial void ggml_backend_sched_free(nint scheduler);
}
