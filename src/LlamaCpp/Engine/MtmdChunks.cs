using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.LlamaCpp.Engine;

/// <summary>A tokenized multimodal prompt: text and image chunks in order.</summary>
public sealed unsafe class MtmdChunks : IDisposable
{
    internal MtmdChunks(SafeMtmdInputChunksHandle handle)
    {
        Handle = handle;
        var n = (int)NativeApi.mtmd_input_chunks_size(handle);
        var chunks = new MtmdChunk[n];
        for (var i = 0; i < n; i++)
            chunks[i] = new MtmdChunk(this, NativeApi.mtmd_input_chunks_get(handle, (nuint)i));
        Chunks = chunks;
    }

    public SafeMtmdInputChunksHandle Handle { get; }

    public IReadOnlyList<MtmdChunk> Chunks { get; }

    /// <summary>Total embeddings (text tokens + image tokens).</summary>
    public int TokenCount => (int)NativeApi.mtmd_helper_get_n_tokens(Handle);

    /// <summary>Total positions used (an image takes max(nx, ny) positions with M-RoPE).</summary>
    public int PositionCount => NativeApi.mtmd_helper_get_n_pos(Handle).Value;

    public void Dispose() => Handle.Dispose();
}

/// <summary>One chunk of a <see cref="MtmdChunks"/>; valid while its list is alive.</summary>
public sealed unsafe class MtmdChunk
{
    private readonly MtmdChunks _owner;
    private readonly nint _chunk;

    internal MtmdChunk(MtmdChunks owner, nint chunk)
    {
        _owner = owner;
        _chunk = chunk;
    }

    public nint Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_owner.Handle.IsClosed, _owner);
            return _chunk;
        }
    }

    public MtmdInputChunkType Type => NativeApi.mtmd_input_chunk_get_type(Pointer);

    public int TokenCount => (int)NativeApi.mtmd_input_chunk_get_n_tokens(Pointer);

    public int PositionCount => NativeApi.mtmd_input_chunk_get_n_pos(Pointer).Value;

    public string? Id => NativeApi.PtrToString(NativeApi.mtmd_input_chunk_get_id(Pointer));

    /// <summary>The token ids of a text chunk.</summary>
    public ReadOnlySpan<LlamaToken> TextTokens
    {
        get
        {
            if (Type != MtmdInputChunkType.Text)
                throw new InvalidOperationException("Only text chunks have tokens.");
            nuint n;
            var tokens = NativeApi.mtmd_input_chunk_get_tokens_text(Pointer, &n);
            return new ReadOnlySpan<LlamaToken>(tokens, (int)n);
        }
    }

    /// <summary>The M-RoPE positions (t, y, x, z) mtmd assigns to image embedding <paramref name="index"/> when the image starts at <paramref name="startPosition"/>.</summary>
    public MtmdDecoderPos DecoderPosition(int startPosition, int index)
    {
        if (Type != MtmdInputChunkType.Image)
            throw new InvalidOperationException("Only image chunks have decoder positions.");
        var image = NativeApi.mtmd_input_chunk_get_tokens_image(Pointer);
        return NativeApi.mtmd_image_tokens_get_decoder_pos(image, new LlamaPos(startPosition), (nuint)index);
    }
}
