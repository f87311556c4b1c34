using DynamicCot.Llama.Native;
using LLama.Native;

namespace DynamicCot.Inference.Llama;

/// <summary>
/// A LoRA adapter GGUF loaded for one model (LLamaSharp's <see cref="LoraAdapter"/>). It is applied per context with
/// <see cref="Apply"/> and can be swapped while the model stays loaded; it must outlive the contexts it is applied to.
/// </summary>
public sealed class LlamaLoraAdapter : IDisposable
{
    private LlamaLoraAdapter(string path, LoraAdapter adapter)
    {
        Path = path;
        Adapter = adapter;
    }

    public string Path { get; }

    public LoraAdapter Adapter { get; }

    /// <exception cref="LlamaNativeException">llama.cpp rejected the file; the message carries its reason (architecture mismatch, a tensor the model lacks, a wrong shape).</exception>
    public static LlamaLoraAdapter Load(LlamaModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        GgufFileCheck.EnsureLooksLikeGguf(path, "LoRA adapter");
        // LLamaSharp wraps whatever llama_adapter_lora_init returns, also the null of a refused file; llama.cpp logs
        // the reason as an error, which is how a refusal is told apart here.
        using var capture = NativeLog.Capture();
        var adapter = model.Handle.LoadLoraFromFile(path);
        if (capture.HasErrors)
            throw new LlamaNativeException("llama_adapter_lora_init",
                $"llama.cpp could not load the LoRA adapter '{path}' for the model '{model.Path}'.{capture.Explanation()}");
        return new LlamaLoraAdapter(path, adapter);
    }

    /// <summary>Replaces the adapters active in <paramref name="context"/>; an empty list removes all of them.</summary>
    public static void Apply(LlamaContext context, IReadOnlyList<(LlamaLoraAdapter Adapter, float Scale)> adapters)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(adapters);
        var list = adapters.Select(a => (a.Adapter.Adapter, a.Scale)).ToArray();
        context.Handle.SetLoraAdapters(list);
    }

    public void Dispose() => Adapter.Unload();
}
