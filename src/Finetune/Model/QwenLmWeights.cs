using DynamicCot.LlamaCpp.Gguf;
using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.Finetune.Model;

/// <summary>
/// The frozen language-model weights of a <c>qwen2vl</c> GGUF, loaded into a ggml backend buffer in their stored
/// types (F32, F16, BF16, Q8_0 and other ggml types compute on the CPU backend).
/// </summary>
public sealed unsafe class QwenLmWeights : IDisposable
{
    private readonly GgmlTensorStore _store;

    private QwenLmWeights(string path, QwenLmHyperParameters parameters, GgmlTensorStore store)
    {
        Path = path;
        HyperParameters = parameters;
        _store = store;
    }

    public string Path { get; }

    public QwenLmHyperParameters HyperParameters { get; }

    public nint this[string name] => _store[name];

    public bool TryGet(string name, out nint tensor) => _store.TryGet(name, out tensor);

    public long Bytes => _store.BufferBytes;

    public static QwenLmWeights Load(string path, GgmlCpuBackend backend)
    {
        using var file = GgufFile.Open(path);
        var parameters = QwenLmHyperParameters.Read(file);
        var store = new GgmlTensorStore(file.Tensors.Count);
        try
        {
            foreach (var tensor in file.Tensors)
                store.Create(tensor.Name, tensor.Type, tensor.Dimensions.Select(d => (long)d).ToArray());
            store.Allocate(backend);
            foreach (var tensor in file.Tensors)
                NativeApi.ggml_backend_tensor_set(store[tensor.Name], file.GetTensorPointer(tensor), 0, (nuint)tensor.ByteSize);
            return new QwenLmWeights(path, parameters, store);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>The matrix that maps hidden states to logits (the token embedding when the output is tied).</summary>
    public nint Output => _store.TryGet("output.weight", out var output) ? output : _store["token_embd.weight"];

    public void Dispose() => _store.Dispose();
}
