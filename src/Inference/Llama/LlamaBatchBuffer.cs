using System.Runtime.InteropServices;
using DynamicCot.Llama.Native;
using LLama.Native;
using NativeApi = DynamicCot.Llama.Native.NativeApi;

namespace DynamicCot.Inference.Llama;

/// <summary>
/// A reusable batch for <see cref="LlamaContext.Decode"/>: tokens (LLamaSharp's <see cref="LLamaBatch"/>) or
/// embeddings. Embedding batches exist for the trainer's parity checks against llama.cpp: for M-RoPE models llama.cpp reads four
/// positions per row, section-major, which LLamaSharp's one-position embedding batch cannot carry, so this buffer owns
/// native arrays for them and decodes through the project's own binding (NativeApi.LlamaSharpGaps.cs).
/// </summary>
public sealed unsafe class LlamaBatchBuffer : IDisposable
{
    private readonly int _capacity;
    private readonly int _embeddingSize;
    private readonly int _positionsPerToken;
    private readonly LLamaBatch? _tokens;
    private RawLlamaBatch _embeddings;
    private int* _seqIdStorage;
    private readonly int[]? _rowPositions;
    private int _count;
    private bool _disposed;

    /// <param name="capacity">Most rows.</param>
    /// <param name="embeddingSize">0 for a token batch; the row width for an embedding batch.</param>
    /// <param name="positionsPerToken">4 for embedding batches of M-RoPE models, else 1.</param>
    public LlamaBatchBuffer(int capacity, int embeddingSize = 0, int positionsPerToken = 1)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity));
        if (positionsPerToken is not (1 or 4)) throw new ArgumentOutOfRangeException(nameof(positionsPerToken));
        _capacity = capacity;
        _embeddingSize = embeddingSize;
        _positionsPerToken = positionsPerToken;
        if (embeddingSize == 0)
        {
            _tokens = new LLamaBatch();
            return;
        }
        _embeddings = new RawLlamaBatch
        {
            Embd = (float*)NativeMemory.AllocZeroed((nuint)capacity * (nuint)embeddingSize, sizeof(float)),
            Pos = (int*)NativeMemory.AllocZeroed((nuint)(capacity * positionsPerToken), sizeof(int)),
            NSeqId = (int*)NativeMemory.AllocZeroed((nuint)capacity, sizeof(int)),
            SeqId = (int**)NativeMemory.AllocZeroed((nuint)capacity + 1, (nuint)sizeof(nint)),
            Logits = (sbyte*)NativeMemory.AllocZeroed((nuint)capacity, 1),
        };
        _seqIdStorage = (int*)NativeMemory.AllocZeroed((nuint)capacity, sizeof(int));
        _rowPositions = positionsPerToken > 1 ? new int[capacity * positionsPerToken] : null;
        for (var i = 0; i < capacity; i++)
            _embeddings.SeqId[i] = _seqIdStorage + i;
    }

    public int Count => _count;

    public int Capacity => _capacity;

    public bool IsFull => _count >= _capacity;

    public void Clear()
    {
        _count = 0;
        _tokens?.Clear();
    }

    /// <summary>Adds a token row; returns its index in the batch (the index to read logits with).</summary>
    public int AddToken(LlamaToken token, int position, LlamaSeqId sequence, bool wantLogits)
    {
        if (_tokens is null) throw new InvalidOperationException("This is an embedding batch.");
        var i = NextRow();
        var row = _tokens.Add(token.Value, position, (LLamaSeqId)sequence.Value, wantLogits);
        return row == i ? i : throw new InvalidOperationException($"Batch rows out of step ({row} vs {i}).");
    }

    /// <summary>
    /// Adds an embedding row. <paramref name="positions"/> holds one position, or four (t, y, x, z) for M-RoPE;
    /// they are laid out section-major when the batch is decoded.
    /// </summary>
    public int AddEmbedding(ReadOnlySpan<float> embedding, ReadOnlySpan<int> positions, LlamaSeqId sequence, bool wantLogits)
    {
        if (_tokens is not null) throw new InvalidOperationException("This is a token batch.");
        if (embedding.Length != _embeddingSize) throw new ArgumentException($"Embedding rows have {_embeddingSize} values, got {embedding.Length}.");
        if (positions.Length != _positionsPerToken) throw new ArgumentException($"Expected {_positionsPerToken} positions per row, got {positions.Length}.");
        var i = NextRow();
        embedding.CopyTo(new Span<float>(_embeddings.Embd + (nint)i * _embeddingSize, _embeddingSize));
        if (_rowPositions is null)
            _embeddings.Pos[i] = positions[0];
        else
            positions.CopyTo(_rowPositions.AsSpan(i * _positionsPerToken, _positionsPerToken));
        _embeddings.NSeqId[i] = 1;
        _embeddings.SeqId[i][0] = sequence.Value;
        _embeddings.Logits[i] = wantLogits ? (sbyte)1 : (sbyte)0;
        return i;
    }

    /// <summary>Decodes the rows; returns llama_decode's status.</summary>
    internal int DecodeInto(LlamaContext context)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_tokens is not null)
            return (int)context.Handle.Decode(_tokens);
        _embeddings.NTokens = _count;
        if (_rowPositions is not null)
        {
            // llama.cpp reads section s of row i at s * n_tokens + i.
            for (var i = 0; i < _count; i++)
                for (var s = 0; s < _positionsPerToken; s++)
                    _embeddings.Pos[s * _count + i] = _rowPositions[i * _positionsPerToken + s];
        }
        var added = false;
        context.Handle.DangerousAddRef(ref added);
        try
        {
            return NativeApi.llama_decode(context.Handle.DangerousGetHandle(), _embeddings);
        }
        finally
        {
            if (added) context.Handle.DangerousRelease();
        }
    }

    private int NextRow()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_count >= _capacity)
            throw new InvalidOperationException($"The batch is full ({_capacity} rows).");
        return _count++;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_tokens is not null)
            return;
        NativeMemory.Free(_embeddings.Embd);
        NativeMemory.Free(_embeddings.Pos);
        NativeMemory.Free(_embeddings.NSeqId);
        NativeMemory.Free(_embeddings.SeqId);
        NativeMemory.Free(_embeddings.Logits);
        NativeMemory.Free(_seqIdStorage);
        _seqIdStorage = null;
    }
}
