using System.Runtime.InteropServices;
using DynamicCot.Llama.Native;
using LLama.Native;
using LlamaSharpApi = LLama.Native.NativeApi;

namespace DynamicCot.Inference.Llama;

/// <summary>How to create an inference context.</summary>
public sealed record LlamaContextOptions
{
    /// <summary>Total KV-cache size in tokens over all sequences (llama.cpp rounds it up to a multiple of 256).</summary>
    public uint ContextSize { get; init; } = 4096;

    /// <summary>Most tokens one <c>llama_decode</c> call accepts.</summary>
    public uint BatchSize { get; init; } = 512;

    /// <summary>Physical micro-batch size.</summary>
    public uint MicroBatchSize { get; init; } = 512;

    /// <summary>How many sequences may share the context (continuous batching).</summary>
    public uint MaxSequences { get; init; } = 1;

    /// <summary>Threads for generation and prompt batches (see <see cref="LlamaThreads.Default"/>).</summary>
    public int Threads { get; init; } = LlamaThreads.Default;

    public LlamaFlashAttnType FlashAttention { get; init; } = LlamaFlashAttnType.Auto;

    /// <summary>Keep the KV cache in F32 (exact comparisons with a float reference) instead of F16.</summary>
    public bool F32KvCache { get; init; }

    /// <summary>Each sequence gets <c>ContextSize / MaxSequences</c> cells when false (llama.cpp's default).</summary>
    public bool UnifiedKvCache { get; init; } = true;
}

/// <summary>
/// An inference context (LLamaSharp's <see cref="SafeLLamaContextHandle"/>): KV cache, compute buffers and the last
/// logits. Not thread-safe; one owner drives it. Adds what the engine needs on top: an abort flag that stops a
/// running decode, typed errors for decode statuses, and checked logits rows.
/// </summary>
public sealed unsafe class LlamaContext : IDisposable
{
    private readonly GCHandle _self;
    private volatile bool _abortRequested;
    // The cancel of the decode running now: llama.cpp polls it through the abort callback. Scoped to one call (see
    // AbortOn), so a request cancelled after its decode cannot abort the next request's.
    private CancellationToken _abortToken;

    private LlamaContext(LlamaModel model, SafeLLamaContextHandle handle, LlamaContextOptions options)
    {
        Model = model;
        Handle = handle;
        Options = options;
        _self = GCHandle.Alloc(this, GCHandleType.Weak);
        LlamaSharpApi.llama_set_abort_callback(handle, (nint)(delegate* unmanaged<nint, byte>)&ShouldAbort, GCHandle.ToIntPtr(_self));
    }

    public LlamaModel Model { get; }

    public SafeLLamaContextHandle Handle { get; }

    public LlamaContextOptions Options { get; }

    public static LlamaContext Create(LlamaModel model, LlamaContextOptions? options = null)
    {
        options ??= new LlamaContextOptions();
        if (options.ContextSize == 0 || options.BatchSize == 0 || options.MaxSequences == 0)
            throw new ArgumentException("Context size, batch size and sequence count must be positive.");
        if (options.Threads < 1)
            throw new ArgumentException($"Threads must be at least 1, got {options.Threads}.");
        var parameters = LLamaContextParams.Default();
        parameters.n_ctx = options.ContextSize;
        parameters.n_batch = options.BatchSize;
        parameters.n_ubatch = Math.Min(options.MicroBatchSize, options.BatchSize);
        parameters.n_seq_max = options.MaxSequences;
        parameters.n_threads = options.Threads;
        parameters.n_threads_batch = options.Threads;
        parameters.llama_flash_attn_type = (LLamaFlashAttentionType)(int)options.FlashAttention;
        parameters.kv_unified = options.UnifiedKvCache;
        parameters.no_perf = false;
        if (options.F32KvCache)
        {
            parameters.type_k = GGMLType.GGML_TYPE_F32;
            parameters.type_v = GGMLType.GGML_TYPE_F32;
        }
        using var capture = NativeLog.Capture();
        try
        {
            return new LlamaContext(model, SafeLLamaContextHandle.Create(model.Handle, parameters), options);
        }
        catch (LLama.Exceptions.RuntimeError e)
        {
            throw new LlamaNativeException("llama_init_from_model", $"llama.cpp could not create a context for '{model.Path}'.{capture.Explanation()}", inner: e);
        }
    }

    public uint ContextSize => Handle.ContextSize;

    public uint BatchSize => Handle.BatchSize;

    public uint MaxSequences => Handle.MaxSeq;

    /// <summary>
    /// Makes the running (and any later) decode return early, for good (the owner is shutting down);
    /// <see cref="Decode(LlamaBatchBuffer, CancellationToken)"/> then throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public void RequestAbort() => _abortRequested = true;

    /// <summary>
    /// Lets <paramref name="cancellationToken"/> abort the decodes made until the returned scope is disposed (also
    /// decodes llama.cpp runs for mtmd); a cancel after that affects nothing.
    /// </summary>
    public AbortScope AbortOn(CancellationToken cancellationToken)
    {
        var previous = _abortToken;
        _abortToken = cancellationToken;
        return new AbortScope(this, previous);
    }

    public readonly struct AbortScope(LlamaContext context, CancellationToken previous) : IDisposable
    {
        public void Dispose() => context._abortToken = previous;
    }

    /// <summary>Clears a pending abort so the context can be used again.</summary>
    public void ResetAbort() => _abortRequested = false;

    /// <summary>Runs the model over a batch. Throws on failure; <see cref="OperationCanceledException"/> when aborted.</summary>
    public void Decode(LlamaBatchBuffer batch, CancellationToken cancellationToken = default)
    {
        if (batch.Count == 0)
            throw new ArgumentException("The batch is empty.", nameof(batch));
        cancellationToken.ThrowIfCancellationRequested();
        var status = cancellationToken.CanBeCanceled ? DecodeAbortable(batch, cancellationToken) : batch.DecodeInto(this);
        if (status == 2)
            throw new OperationCanceledException("llama_decode was aborted.", cancellationToken);
        NativeErrors.CheckStatus(status, "llama_decode", NativeErrors.ExplainDecodeStatus);
    }

    private int DecodeAbortable(LlamaBatchBuffer batch, CancellationToken cancellationToken)
    {
        using var abort = AbortOn(cancellationToken);
        return batch.DecodeInto(this);
    }

    /// <summary>The logits row of output <paramref name="index"/> of the last batch (-1: the last output).</summary>
    public ReadOnlySpan<float> GetLogits(int index)
    {
        try
        {
            return Handle.GetLogitsIth(index);
        }
        catch (LLama.Exceptions.GetLogitsInvalidIndexException e)
        {
            throw new LlamaNativeException("llama_get_logits_ith", $"No logits for output {index}: the batch did not request them.", inner: e);
        }
    }

    /// <summary>Forgets everything in the KV cache.</summary>
    public void ClearMemory() => Handle.MemoryClear(true);

    /// <summary>Removes positions <c>[from, to)</c> of a sequence (-1 for open ends).</summary>
    public void RemoveSequence(LlamaSeqId sequence, int from = -1, int to = -1) =>
        Handle.MemorySequenceRemove((LLamaSeqId)sequence.Value, from, to);

    /// <summary>Largest position stored for a sequence, or -1 when it is empty.</summary>
    public int MaxPosition(LlamaSeqId sequence) => Handle.MemorySequenceMaxPosition((LLamaSeqId)sequence.Value).Value;

    public LLamaPerfContextTimings Performance => Handle.GetTimings();

    public void Dispose()
    {
        Handle.Dispose();
        if (_self.IsAllocated)
            _self.Free();
    }

    [UnmanagedCallersOnly]
    private static byte ShouldAbort(nint userData)
    {
        var target = GCHandle.FromIntPtr(userData).Target as LlamaContext;
        return target is not null && (target._abortRequested || target._abortToken.IsCancellationRequested) ? (byte)1 : (byte)0;
    }
}
