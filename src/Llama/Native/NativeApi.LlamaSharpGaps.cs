using System.Runtime.InteropServices;

namespace DynamicCot.Llama.Native;

// The only llama/mtmd entry points bound here rather than used through LLamaSharp 0.30, which declares its mtmd
// bindings internal and exposes only wrappers:
// * prompt tokenization with images: SafeMtmdModelHandle/MtmdWeights.Tokenize fail on this build — with explicit
//   bitmaps mtmd reports "number of media markers in text (0) does not match number of bitmaps (1)" for a prompt that
//   holds the marker, and the test host then aborts; mtmd_get_marker through LLamaSharp returns an empty string.
//   So mtmd_tokenize and the chunk list are called here; evaluation of the chunks goes through LLamaSharp
//   (SafeMtmdModelHandle.EvaluateChunk). Drop these when LLamaSharp's wrapper works.
// * the vision tower's output embeddings (mtmd_encode_chunk + mtmd_get_output_embd), which the trainer's frozen-tower
//   cache and the TorchSharp parity tests read, and embedding batches with four M-RoPE positions per row
//   (llama_decode of a raw batch; LLamaSharp's LLamaBatchEmbeddings holds one position per row).
// * mtmd_log_set / mtmd_helper_log_set, called once through their exports by LlamaRuntime: LLamaSharp hooks only
//   llama's log, so mtmd printed its per-image debug lines on every console.
// Handles come from LLamaSharp objects (DangerousGetHandle while the owning wrapper keeps them alive).
public static unsafe partial class NativeApi
{
    [LibraryImport(LibraryName)]
    public static partial byte* mtmd_get_marker(nint context);

    [LibraryImport(LibraryName)]
    public static partial nint mtmd_input_chunks_init();

    [LibraryImport(LibraryName)]
    public static partial nuint mtmd_input_chunks_size(nint chunks);

    [LibraryImport(LibraryName)]
    public static partial nint mtmd_input_chunks_get(nint chunks, nuint index);

    [LibraryImport(LibraryName)]
    public static partial void mtmd_input_chunks_free(nint chunks);

    [LibraryImport(LibraryName)]
    public static partial int mtmd_tokenize(nint context, nint output, MtmdInputText* text, nint* bitmaps, nuint bitmapCount);

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

/// <summary><c>struct mtmd_input_text</c> (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct MtmdInputText
{
    public byte* Text;
    public nuint TextLength;
    public byte AddSpecial;
    public byte ParseSpecial;
}
