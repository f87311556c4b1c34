using DynamicCot.Llama.Native;
using LLama.Native;
using NativeApi = DynamicCot.Llama.Native.NativeApi;

namespace DynamicCot.Inference.Llama;

/// <summary>
/// A tokenized multimodal prompt: LLamaSharp's <see cref="SafeMtmdInputChunks"/> (an <c>mtmd_input_chunks</c> list),
/// its text and image chunks in order.
/// </summary>
public sealed class MtmdChunks : IDisposable
{
    private readonly SafeMtmdInputChunks _list;

    internal MtmdChunks(SafeMtmdInputChunks list)
    {
        _list = list;
        Chunks = list.Enumerate().Select(view => new MtmdChunk(this, view)).ToArray();
    }

    public bool IsDisposed { get; private set; }

    public IReadOnlyList<MtmdChunk> Chunks { get; }

    /// <summary>Total embeddings (text tokens + image tokens).</summary>
    public int TokenCount => Chunks.Sum(c => c.TokenCount);

    /// <summary>Total positions used (an image takes max(nx, ny) positions with M-RoPE).</summary>
    public int PositionCount => Chunks.Sum(c => c.PositionCount);

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        // The list owns its chunks: close the non-owning views first so none outlives it.
        foreach (var chunk in Chunks)
            chunk.Release();
        _list.Dispose();
    }
}

/// <summary>One chunk of a <see cref="MtmdChunks"/> (LLamaSharp's non-owning <see cref="SafeMtmdInputChunk"/>); valid while its list is alive.</summary>
public sealed class MtmdChunk
{
    private readonly MtmdChunks _owner;
    private readonly SafeMtmdInputChunk _view;

    internal MtmdChunk(MtmdChunks owner, SafeMtmdInputChunk view)
    {
        _owner = owner;
        _view = view;
    }

    public nint Pointer => View.NativePtr;

    private SafeMtmdInputChunk View
    {
        get
        {
            ObjectDisposedException.ThrowIf(_owner.IsDisposed, _owner);
            return _view;
        }
    }

    public MtmdInputChunkType Type => (MtmdInputChunkType)(int)View.Type;

    public int TokenCount => (int)View.NTokens;

    public int PositionCount => (int)View.NPos;

    public string? Id => View.Id;

    /// <summary>The token ids of a text chunk.</summary>
    public LlamaToken[] TextTokens
    {
        get
        {
            if (Type != MtmdInputChunkType.Text)
                throw new InvalidOperationException("Only text chunks have tokens.");
            return View.GetTextTokensSpan().ToArray().Select(t => new LlamaToken(t)).ToArray();
        }
    }

    /// <summary>Merged-patch grid of an image chunk (columns, rows).</summary>
    public (int Columns, int Rows) ImageGrid
    {
        get
        {
            var image = ImageTokens();
            return ((int)NativeApi.mtmd_image_tokens_get_nx(image), (int)NativeApi.mtmd_image_tokens_get_ny(image));
        }
    }

    /// <summary>The M-RoPE positions (t, y, x, z) mtmd assigns to image embedding <paramref name="index"/> when the image starts at <paramref name="startPosition"/>.</summary>
    public MtmdDecoderPos DecoderPosition(int startPosition, int index) =>
        NativeApi.mtmd_image_tokens_get_decoder_pos(ImageTokens(), new LlamaPos(startPosition), (nuint)index);

    private nint ImageTokens()
    {
        if (Type != MtmdInputChunkType.Image)
            throw new InvalidOperationException("Only image chunks have an image grid and decoder positions.");
        return NativeApi.mtmd_input_chunk_get_tokens_image(Pointer);
    }

    internal void Release() => _view.SetHandleAsInvalid();
}
