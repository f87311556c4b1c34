using DynamicCot.Gguf;
using DynamicCot.Llama.Native;
using LLama;
using LLama.Native;
using LlamaSharpApi = LLama.Native.NativeApi;
using NativeApi = DynamicCot.Llama.Native.NativeApi;
using DynamicCot.Keyphrases.Prompting;

namespace DynamicCot.Inference.Llama;

/// <summary>How to load a multimodal projector.</summary>
public sealed record MtmdOptions
{
    public int Threads { get; init; } = LlamaThreads.Default;

    public bool UseGpu { get; init; } = true;

    /// <summary>A warm-up encode at load time; costly on CPU (a 46×46-token image for Qwen), so off by default.</summary>
    public bool Warmup { get; init; }

    /// <summary>Image token budget (<see cref="ImageTokenBudget"/>; its default is the projector's own, 8..4096 for Qwen-VL).</summary>
    public int ImageMinTokens { get; init; } = ImageTokenBudget.ProjectorDefault;

    public int ImageMaxTokens { get; init; } = ImageTokenBudget.ProjectorDefault;

    public bool PrintTimings { get; init; }

    /// <summary>Flash attention in the vision encoder (Auto lets mtmd choose; it may keep K/V in F16).</summary>
    public LlamaFlashAttnType FlashAttention { get; init; } = LlamaFlashAttnType.Auto;
}

/// <summary>
/// A multimodal projector (LLamaSharp's <see cref="MtmdWeights"/>) bound to its text model: tokenizes prompts with
/// images into chunks and evaluates them into one sequence of a context (mtmd's helper assigns the M-RoPE positions).
/// Not thread-safe; keep one per worker. The projector file is checked against the model before native code sees it.
/// </summary>
public sealed class MtmdContext : IDisposable
{
    private MtmdContext(LlamaModel model, string path, MtmdWeights weights)
    {
        Model = model;
        Path = path;
        Weights = weights;
    }

    public LlamaModel Model { get; }

    public string Path { get; }

    public MtmdWeights Weights { get; }

    public SafeMtmdModelHandle Handle => Weights.NativeHandle;

    /// <summary>
    /// The marker that stands for an image in prompt text: mtmd's default (<c>mtmd_default_marker()</c>), which every
    /// context uses unless its parameters name another. Read through LLamaSharp's <c>MtmdDefaultMarker()</c>, never its
    /// <c>NativeApi.mtmd_get_marker</c>, whose import calls another export and overwrites the context (docs/llamasharp-mtmd-get-marker.md).
    /// </summary>
    public string Marker { get; } = LlamaSharpApi.MtmdDefaultMarker() ?? "<__media__>";

    public bool SupportsVision => Weights.SupportsVision;

    /// <summary>Whether image positions are M-RoPE (4 per embedding), as for Qwen2-VL.</summary>
    public bool UsesMRope => Weights.UsesMRope;

    /// <exception cref="ProjectorMismatchException">The file is not a projector, or projects to another width than the model's.</exception>
    /// <exception cref="LlamaNativeException">mtmd refused it.</exception>
    public static MtmdContext Load(string mmprojPath, LlamaModel model, MtmdOptions? options = null)
    {
        options ??= new MtmdOptions();
        GgufFileCheck.EnsureLooksLikeGguf(mmprojPath, "mmproj");
        CheckMatches(mmprojPath, model);
        var parameters = MtmdContextParams.Default();
        parameters.UseGpu = options.UseGpu;
        parameters.PrintTimings = options.PrintTimings;
        parameters.NThreads = options.Threads;
        parameters.Warmup = options.Warmup;
        parameters.ImageMinTokens = options.ImageMinTokens;
        parameters.ImageMaxTokens = options.ImageMaxTokens;
        parameters.FlashAttentionType = (LLamaFlashAttentionType)(int)options.FlashAttention;
        using var capture = NativeLog.Capture();
        try
        {
            return new MtmdContext(model, mmprojPath, MtmdWeights.LoadFromFile(mmprojPath, model.Weights, parameters));
        }
        catch (LLama.Exceptions.RuntimeError e)
        {
            var reason = capture.Explanation();
            throw new LlamaNativeException("mtmd_init_from_file",
                $"Could not load the multimodal projector '{mmprojPath}' for model '{model.Path}'.{(reason.Length == 0 ? " mtmd logged no reason (unsupported projector type?)." : reason)}", inner: e);
        }
    }

    /// <summary>
    /// A projector of another model would be refused by mtmd only after it loaded the vision tower, or accepted with
    /// embeddings of the wrong meaning; its header says enough to refuse it up front.
    /// </summary>
    private static void CheckMatches(string mmprojPath, LlamaModel model)
    {
        using var file = OpenHeader(mmprojPath);
        if (!file.TryGetString("general.architecture", out var architecture) || architecture != "clip")
            throw new ProjectorMismatchException(mmprojPath,
                $"'{mmprojPath}' is not a multimodal projector (general.architecture = '{(architecture ?? "missing")}', expected 'clip'). Pass the mmproj GGUF, not a language model.");
        // mtmd resizes a learned position table with ggml_interpolate, which aborts the process on anything but F32.
        if (file.Tensors.FirstOrDefault(t => t.Name == "v.position_embd.weight") is { } table && table.Type != GgmlType.F32
            && file.TryGetString("clip.projector_type", out var projectorType) && projectorType == "qwen3vl_merger")
            throw new ProjectorMismatchException(mmprojPath,
                $"The projector '{mmprojPath}' stores v.position_embd.weight as {table.Type}; mtmd resizes it per image and needs F32 (re-convert it, or `quantize` it to f16, which keeps that table F32).");
        if (file.TryGetUInt32("clip.vision.projection_dim", out var projection))
        {
            // A DeepStack projector (Qwen3-VL) appends one projection_dim-wide slice per flagged vision block to each
            // embedding row (clip.cpp clip_n_mmproj_embd), and the decoder's input rows are widened to match.
            var deepstack = file.TryGetArray<bool>("clip.vision.is_deepstack_layers", out var flags) ? flags.Count(flag => flag) : 0;
            var width = (long)projection * (1 + deepstack);
            if (width != model.InputEmbeddingSize)
                throw new ProjectorMismatchException(mmprojPath,
                    $"The projector '{mmprojPath}' produces {width}-wide embeddings but the model '{model.Path}' takes {model.InputEmbeddingSize}: it belongs to another model.");
        }
    }

    private static GgufFile OpenHeader(string path)
    {
        try
        {
            return GgufFile.Open(path);
        }
        catch (GgufFormatException e)
        {
            throw new ProjectorMismatchException(path, $"The projector '{path}' is not a valid GGUF file: {e.Message}", e);
        }
    }

    /// <summary>
    /// Splits a prompt into text and image chunks. The prompt holds one <see cref="Marker"/> per bitmap; special
    /// tokens in the text (e.g. <c>&lt;|im_start|&gt;</c>) are parsed.
    /// </summary>
    public MtmdChunks Tokenize(string prompt, IReadOnlyList<MtmdBitmap> bitmaps, bool addSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(bitmaps);
        // mtmd aborts the process on some mismatches; refuse them here with the numbers.
        var markers = CountOccurrences(prompt, Marker);
        if (markers != bitmaps.Count)
            throw new ArgumentException($"The prompt has {markers} image marker(s) '{Marker}' but {bitmaps.Count} image(s) were given.");
        var embeds = bitmaps.Select(b => b.Handle).ToArray();
        var status = Weights.Tokenize(prompt, addSpecial, parseSpecial: true, embeds, out var chunks);
        if (status != 0 || chunks is null)
        {
            chunks?.Dispose();
            NativeErrors.CheckStatus(status == 0 ? -1 : status, "mtmd_tokenize", s => s switch
            {
                1 => "the number of images does not match the markers in the prompt",
                2 => "image preprocessing failed",
                _ => $"status {s}",
            });
        }
        return new MtmdChunks(chunks!);
    }

    /// <summary>
    /// Evaluates all chunks into sequence <paramref name="sequence"/> of <paramref name="context"/> starting at
    /// <paramref name="pastPosition"/>; returns the next free position (images advance it by their n_pos).
    /// </summary>
    public int EvaluateChunks(LlamaContext context, MtmdChunks chunks, int pastPosition, LlamaSeqId sequence, int batchSize, bool logitsForLast)
    {
        var next = pastPosition;
        for (var i = 0; i < chunks.Chunks.Count; i++)
            next = EvaluateChunk(context, chunks.Chunks[i], next, sequence, batchSize, logitsForLast && i == chunks.Chunks.Count - 1);
        return next;
    }

    /// <summary>Evaluates one chunk; returns the next free position.</summary>
    public int EvaluateChunk(LlamaContext context, MtmdChunk chunk, int pastPosition, LlamaSeqId sequence, int batchSize, bool logitsForLast)
    {
        var next = pastPosition;
        var status = Handle.EvaluateChunk(chunk.Pointer, context.Handle, ref next, sequence.Value, batchSize, logitsForLast);
        NativeErrors.CheckStatus(status, "mtmd_helper_eval_chunk_single");
        return next;
    }

    /// <summary>Runs the vision tower on an image chunk and copies out its embeddings (n_tokens × n_embd_inp floats): the trainer's frozen-tower cache and parity checks.</summary>
    public unsafe float[] EncodeImage(MtmdChunk chunk)
    {
        if (chunk.Type != MtmdInputChunkType.Image)
            throw new ArgumentException("Only image chunks can be encoded.", nameof(chunk));
        var added = false;
        Handle.DangerousAddRef(ref added);
        try
        {
            var context = Handle.DangerousGetHandle();
            NativeErrors.CheckStatus(NativeApi.mtmd_encode_chunk(context, chunk.Pointer), "mtmd_encode_chunk");
            var embeddings = NativeApi.mtmd_get_output_embd(context);
            if (embeddings == null)
                throw new LlamaNativeException("mtmd_get_output_embd", "The projector produced no embeddings.");
            var count = checked(chunk.TokenCount * Model.InputEmbeddingSize);
            return new ReadOnlySpan<float>(embeddings, count).ToArray();
        }
        finally
        {
            if (added) Handle.DangerousRelease();
        }
    }

    private static int CountOccurrences(string text, string marker)
    {
        var count = 0;
        for (var i = text.IndexOf(marker, StringComparison.Ordinal); i >= 0; i = text.IndexOf(marker, i + marker.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    public void Dispose() => Weights.Dispose();
}

/// <summary>A projector file that does not belong to the model it is loaded for (or is no projector at all).</summary>
public sealed class ProjectorMismatchException(string path, string message, Exception? inner = null) : IOException(message, inner), DynamicCot.Keyphrases.IUserFacingError
{
    public string ProjectorPath { get; } = path;
}
