using System.Runtime.InteropServices;

namespace DynamicCot.LlamaCpp.Native;

// tools/mtmd/mtmd.h and mtmd-helper.h: the multimodal projector, bitmaps, tokenization into text/image chunks,
// image encoding and chunk evaluation. Chunk pointers (`mtmd_input_chunk*`, `mtmd_image_tokens*`) are owned by
// their `mtmd_input_chunks` list.
public static unsafe partial class NativeApi
{
    [LibraryImport(LibraryName)]
    public static partial nint mtmd_default_marker();

    [LibraryImport(LibraryName)]
    public static partial MtmdContextParams mtmd_context_params_default();

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint mtmd_init_from_file(string mmprojPath, SafeLlamaModelHandle textModel, MtmdContextParams parameters);

    [LibraryImport(LibraryName)]
    public static partial void mtmd_free(nint context);

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool mtmd_decode_use_non_causal(SafeMtmdContextHandle context, nint chunk);

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool mtmd_decode_use_mrope(SafeMtmdContextHandle context);

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool mtmd_support_vision(SafeMtmdContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial nint mtmd_get_marker(SafeMtmdContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial void mtmd_log_set(delegate* unmanaged<GgmlLogLevel, byte*, nint, void> callback, nint userData);

    [LibraryImport(LibraryName)]
    public static partial void mtmd_helper_log_set(delegate* unmanaged<GgmlLogLevel, byte*, nint, void> callback, nint userData);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial MtmdCaps mtmd_get_cap_from_file(string mmprojPath);

    // ---- bitmaps ----

    /// <summary>Copies <paramref name="nx"/> × <paramref name="ny"/> × 3 bytes of RGB.</summary>
    [LibraryImport(LibraryName)]
    public static partial SafeMtmdBitmapHandle mtmd_bitmap_init(uint nx, uint ny, byte* rgb);

    [LibraryImport(LibraryName)]
    public static partial uint mtmd_bitmap_get_nx(SafeMtmdBitmapHandle bitmap);

    [LibraryImport(LibraryName)]
    public static partial uint mtmd_bitmap_get_ny(SafeMtmdBitmapHandle bitmap);

    [LibraryImport(LibraryName)]
    public static partial nuint mtmd_bitmap_get_n_bytes(SafeMtmdBitmapHandle bitmap);

    [LibraryImport(LibraryName)]
    public static partial nint mtmd_bitmap_get_id(SafeMtmdBitmapHandle bitmap);

    /// <summary>The id doubles as the KV-cache reuse key of the image; set it to a content hash.</summary>
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void mtmd_bitmap_set_id(SafeMtmdBitmapHandle bitmap, string id);

    [LibraryImport(LibraryName)]
    public static partial void mtmd_bitmap_free(nint bitmap);

    // ---- chunks ----

    [LibraryImport(LibraryName)]
    public static partial SafeMtmdInputChunksHandle mtmd_input_chunks_init();

    [LibraryImport(LibraryName)]
    public static partial void mtmd_input_chunks_free(nint chunks);

    [LibraryImport(LibraryName)]
    public static partial nuint mtmd_input_chunks_size(SafeMtmdInputChunksHandle chunks);

    [LibraryImport(LibraryName)]
    public static partial nint mtmd_input_chunks_get(SafeMtmdInputChunksHandle chunks, nuint index);

    [LibraryImport(LibraryName)]
    public static partial MtmdInputChunkType mtmd_input_chunk_get_type(nint chunk);

    [LibraryImport(LibraryName)]
    public static partial LlamaToken* mtmd_input_chunk_get_tokens_text(nint chunk, nuint* nTokens);

    [LibraryImport(LibraryName)]
    public static partial nint mtmd_input_chunk_get_tokens_image(nint chunk);

    [LibraryImport(LibraryName)]
    public static partial nuint mtmd_input_chunk_get_n_tokens(nint chunk);

    [LibraryImport(LibraryName)]
    public static partial nint mtmd_input_chunk_get_id(nint chunk);

    [LibraryImport(LibraryName)]
    public static partial LlamaPos mtmd_input_chunk_get_n_pos(nint chunk);

    [LibraryImport(LibraryName)]
    public static partial nuint mtmd_image_tokens_get_n_tokens(nint imageTokens);

    [LibraryImport(LibraryName)]
    public static partial LlamaPos mtmd_image_tokens_get_n_pos(nint imageTokens);

    [LibraryImport(LibraryName)]
    public static partial MtmdDecoderPos mtmd_image_tokens_get_decoder_pos(nint imageTokens, LlamaPos pos0, nuint index);

    /// <summary>0 on success, 1 when the number of bitmaps does not match the markers, 2 when image preprocessing failed.</summary>
    [LibraryImport(LibraryName)]
    public static partial int mtmd_tokenize(SafeMtmdContextHandle context, SafeMtmdInputChunksHandle output, MtmdInputText* text, nint* bitmaps, nuint nBitmaps);

    [LibraryImport(LibraryName)]
    public static partial int mtmd_encode_chunk(SafeMtmdContextHandle context, nint chunk);

    /// <summary>The embeddings of the last encoded chunk: n_embd_inp × n_tokens floats, owned by the context.</summary>
    [LibraryImport(LibraryName)]
    public static partial float* mtmd_get_output_embd(SafeMtmdContextHandle context);

    // ---- helpers ----

    [LibraryImport(LibraryName)]
    public static partial nuint mtmd_helper_get_n_tokens(SafeMtmdInputChunksHandle chunks);

    [LibraryImport(LibraryName)]
    public static partial LlamaPos mtmd_helper_get_n_pos(SafeMtmdInputChunksHandle chunks);

    /// <summary>Not thread-safe: one call per mtmd context at a time.</summary>
    [LibraryImport(LibraryName)]
    public static partial int mtmd_helper_eval_chunks(SafeMtmdContextHandle context, SafeLlamaContextHandle llamaContext, SafeMtmdInputChunksHandle chunks,
        LlamaPos nPast, LlamaSeqId seqId, int nBatch, [MarshalAs(UnmanagedType.U1)] bool logitsLast, LlamaPos* newNPast);

    [LibraryImport(LibraryName)]
    public static partial int mtmd_helper_eval_chunk_single(SafeMtmdContextHandle context, SafeLlamaContextHandle llamaContext, nint chunk,
        LlamaPos nPast, LlamaSeqId seqId, int nBatch, [MarshalAs(UnmanagedType.U1)] bool logitsLast, LlamaPos* newNPast);

    /// <summary>Never pass untrusted uploads (stb decoder, no EXIF, may spawn ffprobe); decode with libvips instead.</summary>
    [LibraryImport(LibraryName)]
    public static partial MtmdHelperBitmapWrapper mtmd_helper_bitmap_init_from_buf(nint context, byte* buffer, nuint length, [MarshalAs(UnmanagedType.U1)] bool placeholder);
}
