using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.LlamaCpp.Engine;

/// <summary>
/// A LoRA adapter GGUF loaded for one model (<c>llama_adapter_lora_init</c>). It is applied per context with
/// <see cref="Apply"/>; the adapter keeps its model alive and must outlive the contexts it is applied to.
/// </summary>
public sealed unsafe class LlamaLoraAdapter : IDisposable
{
    private LlamaLoraAdapter(string path, SafeLlamaAdapterLoraHandle handle)
    {
        Path = path;
        Handle = handle;
    }

    public string Path { get; }

    public SafeLlamaAdapterLoraHandle Handle { get; }

    /// <exception cref="LlamaNativeException">llama.cpp rejected the file (wrong architecture, missing base tensor, bad shape; the llama.cpp log says which).</exception>
    public static LlamaLoraAdapter Load(LlamaModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        GgufFileCheck.EnsureLooksLikeGguf(path, "LoRA adapter");
        var pointer = NativeApi.llama_adapter_lora_init(model.Handle, path);
        if (pointer == 0)
            throw new LlamaNativeException("llama_adapter_lora_init",
                $"llama.cpp could not load the LoRA adapter '{path}' for the model '{model.Path}' (architecture mismatch, a tensor the model lacks, or a wrong shape; see the llama.cpp log).");
        return new LlamaLoraAdapter(path, new SafeLlamaAdapterLoraHandle(pointer, model.Handle));
    }

    /// <summary>Replaces the adapters active in <paramref name="context"/>; an empty list removes all of them.</summary>
    public static void Apply(LlamaContext context, IReadOnlyList<(LlamaLoraAdapter Adapter, float Scale)> adapters)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(adapters);
        var pointers = new nint[adapters.Count];
        var scales = new float[adapters.Count];
        var added = new bool[adapters.Count];
        try
        {
            for (var i = 0; i < adapters.Count; i++)
            {
                adapters[i].Adapter.Handle.DangerousAddRef(ref added[i]);
                pointers[i] = adapters[i].Adapter.Handle.DangerousGetHandle();
                scales[i] = adapters[i].Scale;
            }
            fixed (nint* p = pointers)
            fixed (float* s = scales)
            {
                var status = NativeApi.llama_set_adapters_lora(context.Handle, adapters.Count == 0 ? null : p, (nuint)adapters.Count, adapters.Count == 0 ? null : s);
                NativeErrors.CheckStatus(status, "llama_set_adapters_lora");
            }
        }
        finally
        {
            for (var i = 0; i < adapters.Count; i++)
                if (added[i])
                    adapters[i].Adapter.Handle.DangerousRelease();
        }
    }

    public void Dispose() => Handle.Dispose();
}
