using System.Runtime.InteropServices;

namespace DynamicCot.LlamaCpp.Native;

// llama.h: backend, model, context, batch, decode, logits, memory, vocab, tokenizer, chat template, LoRA adapters.
public static unsafe partial class NativeApi
{
    [LibraryImport(LibraryName)]
    public static partial LlamaModelParams llama_model_default_params();

    [LibraryImport(LibraryName)]
    public static partial LlamaContextParams llama_context_default_params();

    [LibraryImport(LibraryName)]
    public static partial LlamaSamplerChainParams llama_sampler_chain_default_params();

    [LibraryImport(LibraryName)]
    public static partial void llama_backend_init();

    [LibraryImport(LibraryName)]
    public static partial void llama_backend_free();

    [LibraryImport(LibraryName)]
    public static partial nint llama_print_system_info();

    [LibraryImport(LibraryName)]
    public static partial long llama_time_us();

    [LibraryImport(LibraryName)]
    public static partial nuint llama_max_devices();

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool llama_supports_mmap();

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool llama_supports_gpu_offload();

    [LibraryImport(LibraryName)]
    public static partial void llama_log_set(delegate* unmanaged<GgmlLogLevel, byte*, nint, void> callback, nint userData);

    // ---- model ----

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial SafeLlamaModelHandle llama_model_load_from_file(string pathModel, LlamaModelParams parameters);

    [LibraryImport(LibraryName)]
    public static partial void llama_model_free(nint model);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void llama_model_save_to_file(SafeLlamaModelHandle model, string pathModel);

    [LibraryImport(LibraryName)]
    public static partial nint llama_model_get_vocab(SafeLlamaModelHandle model);

    [LibraryImport(LibraryName)]
    public static partial LlamaRopeType llama_model_rope_type(SafeLlamaModelHandle model);

    [LibraryImport(LibraryName)]
    public static partial int llama_model_n_ctx_train(SafeLlamaModelHandle model);

    [LibraryImport(LibraryName)]
    public static partial int llama_model_n_embd(SafeLlamaModelHandle model);

    [LibraryImport(LibraryName)]
    public static partial int llama_model_n_embd_inp(SafeLlamaModelHandle model);

    [LibraryImport(LibraryName)]
    public static partial int llama_model_n_layer(SafeLlamaModelHandle model);

    [LibraryImport(LibraryName)]
    public static partial int llama_model_n_head(SafeLlamaModelHandle model);

    [LibraryImport(LibraryName)]
    public static partial int llama_model_n_head_kv(SafeLlamaModelHandle model);

    [LibraryImport(LibraryName)]
    public static partial ulong llama_model_size(SafeLlamaModelHandle model);

    [LibraryImport(LibraryName)]
    public static partial ulong llama_model_n_params(SafeLlamaModelHandle model);

    [LibraryImport(LibraryName)]
    public static partial LlamaFileType llama_model_ftype(SafeLlamaModelHandle model);

    [LibraryImport(LibraryName)]
    public static partial int llama_model_desc(SafeLlamaModelHandle model, byte* buffer, nuint bufferSize);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint llama_model_chat_template(SafeLlamaModelHandle model, string? name);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int llama_model_meta_val_str(SafeLlamaModelHandle model, string key, byte* buffer, nuint bufferSize);

    [LibraryImport(LibraryName)]
    public static partial int llama_model_meta_count(SafeLlamaModelHandle model);

    [LibraryImport(LibraryName)]
    public static partial int llama_model_meta_key_by_index(SafeLlamaModelHandle model, int index, byte* buffer, nuint bufferSize);

    [LibraryImport(LibraryName)]
    public static partial int llama_model_meta_val_str_by_index(SafeLlamaModelHandle model, int index, byte* buffer, nuint bufferSize);

    // ---- context ----

    [LibraryImport(LibraryName)]
    public static partial nint llama_init_from_model(SafeLlamaModelHandle model, LlamaContextParams parameters);

    [LibraryImport(LibraryName)]
    public static partial void llama_free(nint context);

    [LibraryImport(LibraryName)]
    public static partial uint llama_n_ctx(SafeLlamaContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial uint llama_n_batch(SafeLlamaContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial uint llama_n_ubatch(SafeLlamaContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial uint llama_n_seq_max(SafeLlamaContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial nint llama_get_memory(SafeLlamaContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial void llama_set_n_threads(SafeLlamaContextHandle context, int nThreads, int nThreadsBatch);

    [LibraryImport(LibraryName)]
    public static partial void llama_set_abort_callback(SafeLlamaContextHandle context, delegate* unmanaged<nint, byte> callback, nint userData);

    [LibraryImport(LibraryName)]
    public static partial void llama_set_embeddings(SafeLlamaContextHandle context, [MarshalAs(UnmanagedType.U1)] bool embeddings);

    [LibraryImport(LibraryName)]
    public static partial void llama_set_causal_attn(SafeLlamaContextHandle context, [MarshalAs(UnmanagedType.U1)] bool causal);

    [LibraryImport(LibraryName)]
    public static partial void llama_synchronize(SafeLlamaContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial LlamaPerfContextData llama_perf_context(SafeLlamaContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial void llama_perf_context_reset(SafeLlamaContextHandle context);

    // ---- batch and decode ----

    [LibraryImport(LibraryName)]
    public static partial LlamaBatch llama_batch_init(int nTokens, int embd, int nSeqMax);

    [LibraryImport(LibraryName)]
    public static partial void llama_batch_free(LlamaBatch batch);

    [LibraryImport(LibraryName)]
    public static partial LlamaBatch llama_batch_get_one(LlamaToken* tokens, int nTokens);

    [LibraryImport(LibraryName)]
    public static partial int llama_decode(SafeLlamaContextHandle context, LlamaBatch batch);

    [LibraryImport(LibraryName)]
    public static partial int llama_encode(SafeLlamaContextHandle context, LlamaBatch batch);

    [LibraryImport(LibraryName)]
    public static partial float* llama_get_logits(SafeLlamaContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial float* llama_get_logits_ith(SafeLlamaContextHandle context, int i);

    [LibraryImport(LibraryName)]
    public static partial float* llama_get_embeddings(SafeLlamaContextHandle context);

    [LibraryImport(LibraryName)]
    public static partial float* llama_get_embeddings_ith(SafeLlamaContextHandle context, int i);

    // ---- memory (KV cache) ----

    [LibraryImport(LibraryName)]
    public static partial void llama_memory_clear(nint memory, [MarshalAs(UnmanagedType.U1)] bool data);

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool llama_memory_seq_rm(nint memory, LlamaSeqId seqId, LlamaPos p0, LlamaPos p1);

    [LibraryImport(LibraryName)]
    public static partial void llama_memory_seq_cp(nint memory, LlamaSeqId source, LlamaSeqId destination, LlamaPos p0, LlamaPos p1);

    [LibraryImport(LibraryName)]
    public static partial void llama_memory_seq_keep(nint memory, LlamaSeqId seqId);

    [LibraryImport(LibraryName)]
    public static partial LlamaPos llama_memory_seq_pos_min(nint memory, LlamaSeqId seqId);

    [LibraryImport(LibraryName)]
    public static partial LlamaPos llama_memory_seq_pos_max(nint memory, LlamaSeqId seqId);

    // ---- vocabulary and tokenizer (vocab pointers are owned by their model) ----

    [LibraryImport(LibraryName)]
    public static partial LlamaVocabType llama_vocab_type(nint vocab);

    [LibraryImport(LibraryName)]
    public static partial int llama_vocab_n_tokens(nint vocab);

    [LibraryImport(LibraryName)]
    public static partial nint llama_vocab_get_text(nint vocab, LlamaToken token);

    [LibraryImport(LibraryName)]
    public static partial int llama_vocab_get_attr(nint vocab, LlamaToken token);

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool llama_vocab_is_eog(nint vocab, LlamaToken token);

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool llama_vocab_is_control(nint vocab, LlamaToken token);

    [LibraryImport(LibraryName)]
    public static partial LlamaToken llama_vocab_bos(nint vocab);

    [LibraryImport(LibraryName)]
    public static partial LlamaToken llama_vocab_eos(nint vocab);

    [LibraryImport(LibraryName)]
    public static partial LlamaToken llama_vocab_eot(nint vocab);

    [LibraryImport(LibraryName)]
    public static partial LlamaToken llama_vocab_nl(nint vocab);

    [LibraryImport(LibraryName)]
    public static partial LlamaToken llama_vocab_pad(nint vocab);

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool llama_vocab_get_add_bos(nint vocab);

    [LibraryImport(LibraryName)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool llama_vocab_get_add_eos(nint vocab);

    /// <summary>Returns the token count, or minus the required capacity when <paramref name="nTokensMax"/> is too small.</summary>
    [LibraryImport(LibraryName)]
    public static partial int llama_tokenize(nint vocab, byte* text, int textLength, LlamaToken* tokens, int nTokensMax,
        [MarshalAs(UnmanagedType.U1)] bool addSpecial, [MarshalAs(UnmanagedType.U1)] bool parseSpecial);

    /// <summary>Returns the piece length, or minus the required capacity when the buffer is too small.</summary>
    [LibraryImport(LibraryName)]
    public static partial int llama_token_to_piece(nint vocab, LlamaToken token, byte* buffer, int length, int lstrip,
        [MarshalAs(UnmanagedType.U1)] bool special);

    [LibraryImport(LibraryName)]
    public static partial int llama_detokenize(nint vocab, LlamaToken* tokens, int nTokens, byte* text, int textLengthMax,
        [MarshalAs(UnmanagedType.U1)] bool removeSpecial, [MarshalAs(UnmanagedType.U1)] bool unparseSpecial);

    /// <summary>Returns the formatted length, which may exceed <paramref name="length"/> (then call again with a bigger buffer); negative on error.</summary>
    [LibraryImport(LibraryName)]
    public static partial int llama_chat_apply_template(byte* template, LlamaChatMessage* chat, nuint nMessages,
        [MarshalAs(UnmanagedType.U1)] bool addAssistant, byte* buffer, int length);

    // ---- LoRA adapters ----

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint llama_adapter_lora_init(SafeLlamaModelHandle model, string pathLora);

    [LibraryImport(LibraryName)]
    public static partial void llama_adapter_lora_free(nint adapter);

    [LibraryImport(LibraryName)]
    public static partial int llama_adapter_meta_count(SafeLlamaAdapterLoraHandle adapter);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int llama_adapter_meta_val_str(SafeLlamaAdapterLoraHandle adapter, string key, byte* buffer, nuint bufferSize);

    /// <summary>Replaces the context's set of adapters; <paramref name="adapters"/> is an array of adapter pointers.</summary>
    [LibraryImport(LibraryName)]
    public static partial int llama_set_adapters_lora(SafeLlamaContextHandle context, nint* adapters, nuint nAdapters, float* scales);
}
