using System.Runtime.InteropServices;
using DynamicCot.Gguf;

namespace DynamicCot.Llama.Native;

// ggml.h, ggml-backend.h: the few ggml calls the project still makes itself — type traits, F16/BF16 rows, contexts and
// tensors (layout and GGUF cross-check tests), backend devices (`info`). Graph ops and autodiff left with the ggml trainer.
// Tensors (`ggml_tensor*`) and graphs (`ggml_cgraph*`) are plain pointers: their ggml context owns them, and the
// builder that created them keeps that context alive. `ctx` parameters are `ggml_context*` for the same reason.
public static unsafe partial class NativeApi
{
    // ---- process-wide ----

    [LibraryImport(LibraryName)]
    public static partial nuint ggml_tensor_overhead();

    // ---- types ----

    [LibraryImport(LibraryName)]
    public static partial long ggml_blck_size(GgmlType type);

    [LibraryImport(LibraryName)]
    public static partial nuint ggml_type_size(GgmlType type);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_type_name(GgmlType type);

    [LibraryImport(LibraryName)]
    public static partial void ggml_fp32_to_fp16_row(float* source, ushort* destination, long n);

    [LibraryImport(LibraryName)]
    public static partial void ggml_fp32_to_bf16_row(float* source, ushort* destination, long n);

    // ---- contexts and tensors ----

    [LibraryImport(LibraryName)]
    public static partial SafeGgmlContextHandle ggml_init(GgmlInitParams parameters);

    [LibraryImport(LibraryName)]
    public static partial void ggml_free(nint context);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_new_tensor_1d(nint context, GgmlType type, long ne0);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_new_tensor_2d(nint context, GgmlType type, long ne0, long ne1);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_new_tensor_3d(nint context, GgmlType type, long ne0, long ne1, long ne2);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_new_tensor_4d(nint context, GgmlType type, long ne0, long ne1, long ne2, long ne3);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ggml_get_tensor(nint context, string name);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ggml_set_name(nint tensor, string name);

    [LibraryImport(LibraryName)]
    public static partial long ggml_nelements(nint tensor);

    // ---- backends, buffers, allocation ----

    [LibraryImport(LibraryName)]
    public static partial nuint ggml_backend_dev_count();

    [LibraryImport(LibraryName)]
    public static partial nint ggml_backend_dev_get(nuint index);

    [LibraryImport(LibraryName)]
    public static partial nint ggml_backend_dev_name(nint device);

    [LibraryImport(LibraryName)]
    public static partial GgmlBackendDeviceType ggml_backend_dev_type(nint device);
}
