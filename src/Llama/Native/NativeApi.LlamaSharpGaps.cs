using System.Runtime.InteropServices;

namespace DynamicCot.Llama.Native;

// The only llama/mtmd entry points bound here rather than used through LLamaSharp 0.30, which declares its mtmd
// bindings internal and exposes wrappers for loading, bitmaps, tokenizing (MtmdWeights.Tokenize → SafeMtmdInputChunks)
// and evaluating chunks; those are used as they are. What its public API cannot do, each with its reason:
// * the vision tower's output embeddings (mtmd_encode_chunk + mtmd_get_output_embd): the trainer's frozen-tower cache
//   and the TorchSharp parity tests read them; LLamaSharp only evaluates image chunks straight into a context.
// * an image chunk's grid and M-RoPE decoder positions (mtmd_input_chunk_get_tokens_image, mtmd_image_tokens_get_nx/_ny,
//   mtmd_image_tokens_get_decoder_pos): the trainer lays out image positions exactly as llama.cpp does; LLamaSharp's
//   SafeMtmdInputChunk exposes type, token count and n_pos only.
// * embedding batches with four M-RoPE positions per row (llama_decode of a raw llama_batch, llama_model_n_embd_inp for
//   its width): LLamaSharp's LLamaBatchEmbeddings holds one position per row.
// * mtmd_log_set / mtmd_helper_log_set, called once through their exports by LlamaRuntime: LLamaSharp hooks only
//   llama's log, so mtmd printed its per-image debug lines on every console.
// Never call LLamaSharp's public NativeApi.mtmd_get_marker: its import names the export mtmd_context_params_default,
// which writes an 80-byte struct over the context it is given (docs/llamasharp-mtmd-get-marker.md); the marker comes
// from MtmdDefaultMarker(). Handles come from LLamaSharp objects (DangerousGetHandle while the owner keeps them alive).
public static unsafe partial class NativeApi
{
    [LibraryImport(LibraryName)]
    public static partial int mtmd_encode_chunk(nint context, nint chunk);

    [LibraryImport(LibraryName)]
    public static partial float* mtmd_get_output_embd(nint context);

    [LibraryImport(LibraryName)]
    public static partial nint mtmd_input_chunk_get_tokens_image(nint chunk);

    [LibraryImport(LibraryName)]
    public static partial nuint mtmd_image_tokens_get_nx(nint imageTokens);

    [LibraryImport(LibraryName)]
    public static partial nuint mtmd_image_tokens_get_ny(nint imageTokens);

    [LibraryImport(LibraryName)]
    public static partial MtmdDecoderPos mtmd_image_tokens_get_decoder_pos(nint imageTokens, LlamaPos pos0, nuint index);

    [LibraryImport(LibraryName)]
    public static partial int llama_model_n_embd_inp(nint model);

    [LibraryImport(LibraryName)]
    public static partial int llama_decode(nint context, RawLlamaBatch batch);
}

/// <summary><c>struct llama_batch</c> (56 bytes), for embedding batches with M-RoPE positions. Memory is owned by whoever allocated it.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct RawLlamaBatch
{
    public int NTokens;
    public int* Token;
    public float* Embd;
    public int* Pos;
    public int* NSeqId;
    public int** SeqId;
    public sbyte* Logits;
}

/// <summary><c>struct mtmd_decoder_pos</c> (16 bytes): the four M-RoPE coordinates of one image embedding.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MtmdDecoderPos
{
    public uint T;
    public uint X;
    public uint Y;
    public uint Z;
}
