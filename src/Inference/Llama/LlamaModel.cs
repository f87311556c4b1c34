using System.Text;
using DynamicCot.Llama.Native;
using LLama;
using LLama.Common;
using LLama.Native;
using NativeApi = DynamicCot.Llama.Native.NativeApi;

namespace DynamicCot.Inference.Llama;

/// <summary>How to load a model.</summary>
public sealed record LlamaModelOptions
{
    /// <summary>Layers to offload to the GPU (-1: all, 0: none). Ignored by the CPU build.</summary>
    public int GpuLayers { get; init; } = -1;

    /// <summary>Memory-map the weights (fast, shared, read-only). Turn off to load into private memory.</summary>
    public bool UseMmap { get; init; } = true;

    /// <summary>Load only the vocabulary (no weights): enough to tokenize, and cheap for a multi-GB model.</summary>
    public bool VocabularyOnly { get; init; }
}

/// <summary>
/// A loaded model (LLamaSharp's <see cref="LLamaWeights"/>): weights and vocabulary. Thread-safe for reads; contexts
/// do the work. The file is checked before it reaches native code, and a load that llama.cpp refuses says why.
/// </summary>
public sealed class LlamaModel : IDisposable
{
    private LlamaModel(string path, LLamaWeights weights)
    {
        Path = path;
        Weights = weights;
        Vocab = new LlamaVocab(this, weights.NativeHandle.Vocab);
    }

    public string Path { get; }

    public LLamaWeights Weights { get; }

    public SafeLlamaModelHandle Handle => Weights.NativeHandle;

    public LlamaVocab Vocab { get; }

    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a GGUF file.</exception>
    /// <exception cref="LlamaNativeException">llama.cpp refused it; the message carries llama.cpp's reason.</exception>
    public static LlamaModel Load(string path, LlamaModelOptions? options = null)
    {
        options ??= new LlamaModelOptions();
        GgufFileCheck.EnsureLooksLikeGguf(path, "model");
        LlamaBackend.Initialize();
        var parameters = new ModelParams(path)
        {
            GpuLayerCount = options.GpuLayers,
            LoadMode = options.UseMmap ? LLamaLoadMode.MemoryMap : LLamaLoadMode.None,
            VocabOnly = options.VocabularyOnly,
        };
        using var capture = NativeLog.Capture();
        try
        {
            return new LlamaModel(path, LLamaWeights.LoadFromFile(parameters));
        }
        catch (LLama.Exceptions.LoadWeightsFailedException e)
        {
            var reason = capture.Explanation();
            throw new LlamaNativeException("llama_model_load_from_file",
                $"llama.cpp could not load the model '{path}'.{(reason.Length == 0 ? " It logged no reason (unsupported architecture, missing tensors or metadata)." : reason)}",
                inner: e);
        }
    }

    public int EmbeddingSize => Handle.EmbeddingSize;

    /// <summary>Width of an input embedding row (differs from <see cref="EmbeddingSize"/> only for deepstack models).</summary>
    public int InputEmbeddingSize => NativeApi.llama_model_n_embd_inp(Handle.DangerousGetHandle());

    public int LayerCount => Handle.LayerCount;

    public int HeadCount => Handle.HeadCount;

    public int KvHeadCount => Handle.KVHeadCount;

    public int TrainingContextSize => Handle.ContextSize;

    public LlamaRopeType RopeType => (LlamaRopeType)(int)Handle.RopeType;

    /// <summary>Positions per embedding: 4 for M-RoPE models (Qwen2-VL), else 1.</summary>
    public int PositionsPerToken => RopeType is LlamaRopeType.MRope or LlamaRopeType.IMRope ? 4 : 1;

    public ulong ParameterCount => Handle.ParameterCount;

    public ulong SizeBytes => Handle.SizeInBytes;

    public LlamaFileType FileType => (LlamaFileType)(int)Handle.FileType;

    /// <summary>The model's default chat template (<c>tokenizer.chat_template</c>), if it has one.</summary>
    public string? ChatTemplate => Handle.GetTemplate(null, strict: false);

    public string Description => Handle.Description;

    /// <summary>A scalar metadata value as text (arrays are not readable through this API), or null when absent.</summary>
    public string? GetMetadata(string key) =>
        Handle.MetadataValueByKey(key) is { } value ? Encoding.UTF8.GetString(value.Span) : null;

    public void Dispose() => Weights.Dispose();
}
