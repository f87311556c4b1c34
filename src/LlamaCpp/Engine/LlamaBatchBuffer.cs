using System.Runtime.InteropServices;
using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.LlamaCpp.Engine;

/// <summary>
/// A reusable batch in native memory for <see cref="LlamaContext.Decode"/>: either tokens or embeddings. For
/// embedding batches of M-RoPE models, positions are stored section-major with 4 entries per row, which
/// <c>llama_batch_init</c> does not allocate; this buffer owns its own arrays for that reason.
/// </summary>
public sealed unsafe class LlamaBatchBuffer : IDisposable
{
    private readonly int _capacity;
    private readonly int _embeddingSize;
    private readonly int _positionsPerToken;
    private readonly int _maxSequencesPerToken;
    private LlamaBatch _batch;
    private int* _seqIdStorage;
    private readonly int[]? _rowPositions;
    private bool _disposed;

    /// <param name="capacity">Most rows.</param>
    /// <param name="embeddingSize">0 for a token batch; the row width for an embedding batch.</param>
    /// <param name="positionsPerToken">4 for embedding batches of M-RoPE models, else 1.</param>
    /// <param name="maxSequencesPerToken">How many sequences one row may belong to.</param>
    public LlamaBatchBuffer(int capacity, int embeddingSize = 0, int positionsPerToken = 1, int maxSequencesPerToken = 1)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity));
        if (positionsPerToken is not (1 or 4)) throw new ArgumentOutOfRangeException(nameof(positionsPerToken));
        _capacity = capacity;
        _embeddingSize = embeddingSize;
        _positionsPerToken = positionsPerToken;
        _maxSequencesPerToken = maxSequencesPerToken;
        _batch = new LlamaBatch
        {
            Token = embeddingSize == 0 ? (int*)NativeMemory.AllocZeroed((nuint)capacity, sizeof(int)) : null,
            Embd = embeddingSize > 0 ? (float*)NativeMemory.AllocZeroed((nuint)capacity * (nuint)embeddingSize, sizeof(float)) : null,
            Pos = (int*)NativeMemory.AllocZeroed((nuint)(capacity * positionsPerToken), sizeof(int)),
            NSeqId = (int*)NativeMemory.AllocZeroed((nuint)capacity, sizeof(int)),
            SeqId = (int**)NativeMemory.AllocZeroed((nuint)capacity + 1, (nuint)sizeof(nint)),
            Logits = (sbyte*)NativeMemory.AllocZeroed((nuint)capacity, 1),
        };
        _seqIdStorage = (int*)NativeMemory.AllocZeroed((nuint)(capacity * maxSequencesPerToken), sizeof(int));
        _rowPositions = positionsPerToken > 1 ? new int[capacity * positionsPerToken] : null;
        for (var i = 0; i < capacity; i++)
            _batch.SeqId[i] = _seqIdStorage + i * maxSequencesPerToken;
    }

    public int Count => _batch.NTokens;

    public int Capacity => _capacity;

    public bool IsFull => _batch.NTokens >= _capacity;

    public void Clear() => _batch.NTokens = 0;

    /// <summary>Adds a token row; returns its index in the batch (the index to read logits with).</summary>
    public int AddToken(LlamaToken token, int position, LlamaSeqId sequence, bool wantLogits)
    {
        if (_embeddingSize != 0) throw new InvalidOperationException("This is an embedding batch.");
        var i = NextRow();
        _batch.Token[i] = token.Value;
        _batch.Pos[i] = position;
        SetSequence(i, sequence, wantLogits);
        return i;
    }

    /// <summary>
    /// Adds an embedding row. <paramref name="positions"/> holds one position, or four (t, y, x, z) for M-RoPE;
    /// they are laid out section-major when the batch is decoded (<see cref="PrepareForDecode"/>).
    /// </summary>
    public int AddEmbedding(ReadOnlySpan<float> embedding, ReadOnlySpan<int> positions, LlamaSeqId sequence, bool wantLogits)
    {
        if (_embeddingSize == 0) throw new InvalidOperationException("This is a token batch.");
        if (embedding.Length != _embeddingSize) throw new ArgumentException($"Embedding rows have {_embeddingSize} values, got {embedding.Length}.");
        if (positions.Length != _positionsPerToken) throw new ArgumentException($"Expected {_positionsPerToken} positions per row, got {positions.Length}.");
        var i = NextRow();
        embedding.CopyTo(new Span<float>(_batch.Embd + (nint)i * _embeddingSize, _embeddingSize));
        if (_rowPositions is null)
            _batch.Pos[i] = positions[0];
        else
            positions.CopyTo(_rowPositions.AsSpan(i * _positionsPerToken, _positionsPerToken));
        SetSequence(i, sequence, wantLogits);
        return i;
    }

    /// <summary>
    /// The batch to pass to <c>llama_decode</c>. For M-RoPE embedding batches this writes the positions
    /// section-major for the current row count (llama.cpp reads section s of row i at <c>s * n_tokens + i</c>).
    /// </summary>
    public LlamaBatch PrepareForDecode()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_rowPositions is not null)
        {
            var n = _batch.NTokens;
            for (var i = 0; i < n; i++)
                for (var s = 0; s < _positionsPerToken; s++)
                    _batch.Pos[s * n + i] = _rowPositions[i * _positionsPerToken + s];
        }
        return _batch;
    }

    private int NextRow()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_batch.NTokens >= _capacity)
            throw new InvalidOperationException($"The batch is full ({_capacity} rows).");
        return _batch.NTokens++;
    }

    private void SetSequence(int i, LlamaSeqId sequence, bool wantLogits)
    {
        _batch.NSeqId[i] = 1;
        _batch.SeqId[i][0] = sequence.Value;
        _batch.Logits[i] = wantLogits ? (sbyte)1 : (sbyte)0;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        NativeMemory.Free(_batch.Token);
        NativeMemory.Free(_batch.Embd);
        NativeMemory.Free(_batch.Pos);
        NativeMemory.Free(_batch.NSeqId);
        NativeMemory.Free(_batch.SeqId);
        NativeMemory.Free(_batch.Logits);
        NativeMemory.Free(_seqIdStorage);
        _seqIdStorage = null;
    }
}
