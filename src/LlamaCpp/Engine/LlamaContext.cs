using System.Runtime.InteropServices;
using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.LlamaCpp.Engine;

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

    public int Threads { get; init; } = Math.Max(1, Environment.ProcessorCount);

    public LlamaFlashAttnType FlashAttention { get; init; } = LlamaFlashAttnType.Auto;

    /// <summary>Keep the KV cache in F32 (exact comparisons with a float reference) instead of F16.</summary>
    public bool F32KvCache { get; init; }

    /// <summary>Each sequence gets <c>ContextSize / MaxSequences</c> cells when false (llama.cpp's default).</summary>
    public bool UnifiedKvCache { get; init; } = true;
}

/// <summary>
/// An inference context: KV cache, compute buffers and the last logits. Not thread-safe; one owner drives it.
/// Holds a reference on its model, so the model stays alive while the context exists.
/// </summary>
public sealed unsafe class LlamaContext : IDisposable
{
    private readonly GCHandle _self;
    private volatile bool _abortRequested;

    private LlamaContext(LlamaModel model, SafeLlamaContextHandle handle, LlamaContextOptions options)
    {
        Model = model;
        Handle = handle;
        Options = options;
        _self = GCHandle.Alloc(this, GCHandleType.Weak);
        NativeApi.llama_set_abort_callback(handle, &ShouldAbort, GCHandle.ToIntPtr(_self));
    }

    public LlamaModel Model { get; }

    public SafeLlamaContextHandle Handle { get; }

    public LlamaContextOptions Options { get; }

    public static LlamaContext Create(LlamaModel model, LlamaContextOptions? options = null)
    {
        options ??= new LlamaContextOptions();
        if (options.ContextSize == 0 || options.BatchSize == 0 || options.MaxSequences == 0)
            throw new ArgumentException("Context size, batch size and sequence count must be positive.");
        var parameters = NativeApi.llama_context_default_params();
        parameters.NCtx = options.ContextSize;
        parameters.NBatch = options.BatchSize;
        parameters.NUbatch = Math.Min(options.MicroBatchSize, options.BatchSize);
        parameters.NSeqMax = options.MaxSequences;
        parameters.NThreads = options.Threads;
        parameters.NThreadsBatch = options.Threads;
        parameters.FlashAttnType = options.FlashAttention;
        parameters.KvUnified = options.UnifiedKvCache ? (byte)1 : (byte)0;
        parameters.NoPerf = 0;
        if (options.F32KvCache)
        {
            parameters.TypeK = GgmlType.F32;
            parameters.TypeV = GgmlType.F32;
        }
        var pointer = NativeApi.llama_init_from_model(model.Handle, parameters);
        NativeErrors.CheckPointer(pointer, "llama_init_from_model", model.Path);
        return new LlamaContext(model, new SafeLlamaContextHandle(pointer, model.Handle), options);
    }

    public uint ContextSize => NativeApi.llama_n_ctx(Handle);

    public uint BatchSize => NativeApi.llama_n_batch(Handle);

    public uint MaxSequences => NativeApi.llama_n_seq_max(Handle);

    /// <summary>Makes the running (and any later) decode return early; <see cref="Decode"/> then throws <see cref="OperationCanceledException"/>.</summary>
    public void RequestAbort() => _abortRequested = true;

    /// <summary>Clears a pending abort so the context can be used again.</summary>
    public void ResetAbort() => _abortRequested = false;

    /// <summary>Runs the model over a batch. Throws on failure; <see cref="OperationCanceledException"/> when aborted.</summary>
    public void Decode(LlamaBatch batch, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var registration = cancellationToken.CanBeCanceled ? cancellationToken.Register(RequestAbort) : default;
        var status = NativeApi.llama_decode(Handle, batch);
        if (status == 2 || _abortRequested)
        {
            _abortRequested = false;
            throw new OperationCanceledException("llama_decode was aborted.", cancellationToken);
        }
        NativeErrors.CheckStatus(status, "llama_decode", NativeErrors.ExplainDecodeStatus);
    }

    /// <summary>Decodes the rows of a batch buffer.</summary>
    public void Decode(LlamaBatchBuffer batch, CancellationToken cancellationToken = default)
    {
        if (batch.Count == 0)
            throw new ArgumentException("The batch is empty.", nameof(batch));
        Decode(batch.PrepareForDecode(), cancellationToken);
    }

    /// <summary>The logits row of output <paramref name="index"/> of the last batch (-1: the last output).</summary>
    public ReadOnlySpan<float> GetLogits(int index)
    {
        var row = NativeApi.llama_get_logits_ith(Handle, index);
        if (row == null)
            throw new LlamaNativeException("llama_get_logits_ith", $"No logits for output {index}: the batch did not request them.");
        return new ReadOnlySpan<float>(row, Model.Vocab.Count);
    }

    /// <summary>The KV cache of this context.</summary>
    public nint Memory => NativeApi.llama_get_memory(Handle);

    /// <summary>Forgets everything in the KV cache.</summary>
    public void ClearMemory() => NativeApi.llama_memory_clear(Memory, true);

    /// <summary>Removes positions <c>[from, to)</c> of a sequence (-1 for open ends); returns false if that is not possible.</summary>
    public bool RemoveSequence(LlamaSeqId sequence, int from = -1, int to = -1) =>
        NativeApi.llama_memory_seq_rm(Memory, sequence, new LlamaPos(from), new LlamaPos(to));

    /// <summary>Largest position stored for a sequence, or -1 when it is empty.</summary>
    public int MaxPosition(LlamaSeqId sequence) => NativeApi.llama_memory_seq_pos_max(Memory, sequence).Value;

    public LlamaPerfContextData Performance => NativeApi.llama_perf_context(Handle);

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
        return target is { _abortRequested: true } ? (byte)1 : (byte)0;
    }
}
