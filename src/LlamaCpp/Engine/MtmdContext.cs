using System.Text;
using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.LlamaCpp.Engine;

/// <summary>How to load a multimodal projector.</summary>
public sealed record MtmdOptions
{
    public int Threads { get; init; } = Math.Max(1, Environment.ProcessorCount);

    public bool UseGpu { get; init; } = true;

    /// <summary>A warm-up encode at load time; costly on CPU (a 46×46-token image for Qwen), so off by default.</summary>
    public bool Warmup { get; init; }

    /// <summary>Image token budget (-1: the projector's defaults, 8..4096 for Qwen-VL).</summary>
    public int ImageMinTokens { get; init; } = -1;

    public int ImageMaxTokens { get; init; } = -1;

    public bool PrintTimings { get; init; }
}

/// <summary>
/// A multimodal projector (mmproj) bound to its text model: tokenizes prompts with images into chunks, encodes image
/// chunks and evaluates chunks into a context. Not thread-safe; keep one per worker.
/// </summary>
public sealed unsafe class MtmdContext : IDisposable
{
    private MtmdContext(LlamaModel model, string path, SafeMtmdContextHandle handle)
    {
        Model = model;
        Path = path;
        Handle = handle;
    }

    public LlamaModel Model { get; }

    public string Path { get; }

    public SafeMtmdContextHandle Handle { get; }

    /// <summary>The marker that stands for an image in prompt text.</summary>
    public string Marker => NativeApi.PtrToString(NativeApi.mtmd_get_marker(Handle)) ?? "<__media__>";

    public bool SupportsVision => NativeApi.mtmd_support_vision(Handle);

    /// <summary>Whether image positions are M-RoPE (4 per embedding), as for Qwen2-VL.</summary>
    public bool UsesMRope => NativeApi.mtmd_decode_use_mrope(Handle);

    public static MtmdContext Load(string mmprojPath, LlamaModel model, MtmdOptions? options = null)
    {
        options ??= new MtmdOptions();
        GgufFileCheck.EnsureLooksLikeGguf(mmprojPath, "mmproj");
        var parameters = NativeApi.mtmd_context_params_default();
        parameters.UseGpu = options.UseGpu ? (byte)1 : (byte)0;
        parameters.PrintTimings = options.PrintTimings ? (byte)1 : (byte)0;
        parameters.NThreads = options.Threads;
        parameters.Warmup = options.Warmup ? (byte)1 : (byte)0;
        parameters.ImageMinTokens = options.ImageMinTokens;
        parameters.ImageMaxTokens = options.ImageMaxTokens;
        var pointer = NativeApi.mtmd_init_from_file(mmprojPath, model.Handle, parameters);
        if (pointer == 0)
            throw new LlamaNativeException("mtmd_init_from_file",
                $"Could not load the multimodal projector '{mmprojPath}' for model '{model.Path}' (wrong file, unsupported projector, " +
                "or its projection size does not match the model's embedding size; see the llama.cpp log).");
        return new MtmdContext(model, mmprojPath, new SafeMtmdContextHandle(pointer, model.Handle));
    }

    /// <summary>
    /// Splits a prompt into text and image chunks. The prompt holds one <see cref="Marker"/> per bitmap; special
    /// tokens in the text (e.g. <c>&lt;|im_start|&gt;</c>) are parsed.
    /// </summary>
    public MtmdChunks Tokenize(string prompt, IReadOnlyList<MtmdBitmap> bitmaps, bool addSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var markers = CountOccurrences(prompt, Marker);
        if (markers != bitmaps.Count)
            throw new ArgumentException($"The prompt has {markers} image marker(s) '{Marker}' but {bitmaps.Count} image(s) were given.");
        var chunks = NativeApi.mtmd_input_chunks_init();
        NativeErrors.CheckHandle(chunks, "mtmd_input_chunks_init");
        var utf8 = Encoding.UTF8.GetBytes(prompt + "\0");
        var pointers = new nint[Math.Max(1, bitmaps.Count)];
        var added = new bool[bitmaps.Count];
        try
        {
            for (var i = 0; i < bitmaps.Count; i++)
            {
                bitmaps[i].Handle.DangerousAddRef(ref added[i]);
                pointers[i] = bitmaps[i].Handle.DangerousGetHandle();
            }
            int status;
            fixed (byte* text = utf8)
            fixed (nint* bitmapArray = pointers)
            {
                var input = new MtmdInputText { Text = text, TextLength = (nuint)(utf8.Length - 1), AddSpecial = addSpecial ? (byte)1 : (byte)0, ParseSpecial = 1 };
                status = NativeApi.mtmd_tokenize(Handle, chunks, &input, bitmapArray, (nuint)bitmaps.Count);
            }
            if (status != 0)
            {
                chunks.Dispose();
                NativeErrors.CheckStatus(status, "mtmd_tokenize", s => s switch
                {
                    1 => "the number of images does not match the markers in the prompt",
                    2 => "image preprocessing failed",
                    _ => $"status {s}",
                });
            }
            return new MtmdChunks(chunks);
        }
        finally
        {
            for (var i = 0; i < bitmaps.Count; i++)
                if (added[i]) bitmaps[i].Handle.DangerousRelease();
        }
    }

    /// <summary>
    /// Evaluates all chunks into sequence <paramref name="sequence"/> of <paramref name="context"/> starting at
    /// <paramref name="pastPosition"/>; returns the next free position (images advance it by their n_pos).
    /// </summary>
    public int EvaluateChunks(LlamaContext context, MtmdChunks chunks, int pastPosition, LlamaSeqId sequence, int batchSize, bool logitsForLast)
    {
        LlamaPos next;
        var status = NativeApi.mtmd_helper_eval_chunks(Handle, context.Handle, chunks.Handle, new LlamaPos(pastPosition), sequence, batchSize, logitsForLast, &next);
        NativeErrors.CheckStatus(status, "mtmd_helper_eval_chunks");
        return next.Value;
    }

    /// <summary>Evaluates one chunk; returns the next free position.</summary>
    public int EvaluateChunk(LlamaContext context, MtmdChunk chunk, int pastPosition, LlamaSeqId sequence, int batchSize, bool logitsForLast)
    {
        LlamaPos next;
        var status = NativeApi.mtmd_helper_eval_chunk_single(Handle, context.Handle, chunk.Pointer, new LlamaPos(pastPosition), sequence, batchSize, logitsForLast, &next);
        NativeErrors.CheckStatus(status, "mtmd_helper_eval_chunk_single");
        return next.Value;
    }

    /// <summary>Runs the vision tower on an image chunk and copies out its embeddings (n_tokens × n_embd_inp floats).</summary>
    public float[] EncodeImage(MtmdChunk chunk)
    {
        if (chunk.Type != MtmdInputChunkType.Image)
            throw new ArgumentException("Only image chunks can be encoded.", nameof(chunk));
        NativeErrors.CheckStatus(NativeApi.mtmd_encode_chunk(Handle, chunk.Pointer), "mtmd_encode_chunk");
        var embeddings = NativeApi.mtmd_get_output_embd(Handle);
        if (embeddings == null)
            throw new LlamaNativeException("mtmd_get_output_embd", "The projector produced no embeddings.");
        var count = checked(chunk.TokenCount * Model.InputEmbeddingSize);
        return new ReadOnlySpan<float>(embeddings, count).ToArray();
    }

    private static int CountOccurrences(string text, string marker)
    {
        var count = 0;
        for (var i = text.IndexOf(marker, StringComparison.Ordinal); i >= 0; i = text.IndexOf(marker, i + marker.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    public void Dispose() => Handle.Dispose();
}
