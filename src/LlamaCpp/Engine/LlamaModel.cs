using System.Text;
using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.LlamaCpp.Engine;

/// <summary>How to load a model.</summary>
public sealed record LlamaModelOptions
{
    /// <summary>Layers to offload to the GPU (-1: all, 0: none). Ignored by the CPU build.</summary>
    public int GpuLayers { get; init; } = -1;

    /// <summary>Memory-map the weights (fast, shared, read-only). Turn off to load into private memory.</summary>
    public bool UseMmap { get; init; } = true;

    /// <summary>Validate tensor data while loading (slower; catches corrupt files).</summary>
    public bool CheckTensors { get; init; }
}

/// <summary>A loaded llama.cpp model (weights + vocabulary). Thread-safe for reads; contexts do the work.</summary>
public sealed class LlamaModel : IDisposable
{
    private LlamaModel(string path, SafeLlamaModelHandle handle)
    {
        Path = path;
        Handle = handle;
        Vocab = new LlamaVocab(this, NativeApi.llama_model_get_vocab(handle));
    }

    public string Path { get; }

    public SafeLlamaModelHandle Handle { get; }

    public LlamaVocab Vocab { get; }

    public static LlamaModel Load(string path, LlamaModelOptions? options = null)
    {
        options ??= new LlamaModelOptions();
        GgufFileCheck.EnsureLooksLikeGguf(path, "model");
        LlamaBackend.Initialize();
        var parameters = NativeApi.llama_model_default_params();
        parameters.NGpuLayers = options.GpuLayers;
        parameters.LoadMode = options.UseMmap ? LlamaLoadMode.Mmap : LlamaLoadMode.None;
        parameters.CheckTensors = options.CheckTensors ? (byte)1 : (byte)0;
        var handle = NativeApi.llama_model_load_from_file(path, parameters);
        if (handle.IsInvalid)
            throw new LlamaNativeException("llama_model_load_from_file",
                $"llama.cpp could not load the model '{path}' (unsupported architecture, missing tensors or metadata; see the llama.cpp log).");
        return new LlamaModel(path, handle);
    }

    public int EmbeddingSize => NativeApi.llama_model_n_embd(Handle);

    /// <summary>Width of an input embedding row (differs from <see cref="EmbeddingSize"/> only for deepstack models).</summary>
    public int InputEmbeddingSize => NativeApi.llama_model_n_embd_inp(Handle);

    public int LayerCount => NativeApi.llama_model_n_layer(Handle);

    public int HeadCount => NativeApi.llama_model_n_head(Handle);

    public int KvHeadCount => NativeApi.llama_model_n_head_kv(Handle);

    public int TrainingContextSize => NativeApi.llama_model_n_ctx_train(Handle);

    public LlamaRopeType RopeType => NativeApi.llama_model_rope_type(Handle);

    /// <summary>Positions per embedding: 4 for M-RoPE models (Qwen2-VL), else 1.</summary>
    public int PositionsPerToken => RopeType is LlamaRopeType.MRope or LlamaRopeType.IMRope ? 4 : 1;

    public ulong ParameterCount => NativeApi.llama_model_n_params(Handle);

    public ulong SizeBytes => NativeApi.llama_model_size(Handle);

    public LlamaFileType FileType => NativeApi.llama_model_ftype(Handle);

    /// <summary>The model's default chat template (<c>tokenizer.chat_template</c>), if it has one.</summary>
    public string? ChatTemplate => NativeApi.PtrToString(NativeApi.llama_model_chat_template(Handle, null));

    public unsafe string Description
    {
        get
        {
            var buffer = stackalloc byte[256];
            var n = NativeApi.llama_model_desc(Handle, buffer, 256);
            return n <= 0 ? string.Empty : Encoding.UTF8.GetString(buffer, Math.Min(n, 255));
        }
    }

    /// <summary>A scalar metadata value as text (arrays are not readable through this API), or null when absent.</summary>
    public unsafe string? GetMetadata(string key)
    {
        var size = 256;
        while (true)
        {
            var buffer = new byte[size];
            int n;
            fixed (byte* b = buffer)
                n = NativeApi.llama_model_meta_val_str(Handle, key, b, (nuint)size);
            if (n < 0)
                return null;
            if (n < size)
                return Encoding.UTF8.GetString(buffer, 0, n);
            size = n + 1;
        }
    }

    public void Dispose() => Handle.Dispose();
}
