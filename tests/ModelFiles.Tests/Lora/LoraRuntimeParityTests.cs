using DynamicCot.Inference.Llama;
using DynamicCot.Gguf;
using DynamicCot.Llama.Native;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Lora;
using DynamicCot.ModelFiles.Quantization;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;

namespace DynamicCot.ModelFiles.Tests.Lora;

/// <summary>
/// The proof that the adapter format and the merge are right: llama.cpp applying our adapter file at runtime and
/// llama.cpp running our merged GGUF give the same logits, and both differ clearly from the base model.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class LoraRuntimeParityTests(TinyModels models, ITestOutputHelper output) : IDisposable
{
    private const string Prompt = "<|im_start|>user\nSuggest hashtags for: Storm warnings issued across the coast tonight<|im_end|>\n<|im_start|>assistant\n";
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-lora");

    [Fact]
    public void Runtime_adapter_and_merged_model_give_the_same_logits_and_both_differ_from_the_base()
    {
        var baseModel = models.Get(QwenVlArchitecture.Qwen2Vl).LanguageModel;
        var adapter = RandomLora.For(baseModel, ["attn_q", "attn_v", "ffn_up"], rank: 4, alpha: 8, seed: 42, std: 0.15f);
        var adapterPath = _folder.File("adapter.gguf");
        LoraAdapterFile.Write(adapterPath, adapter);
        var merged = _folder.File("merged-f32.gguf");
        const float scale = 0.75f;
        var result = LoraMerger.Merge(baseModel, adapterPath, merged, scale, threads: 2);
        Assert.Equal(adapter.Count, result.MergedTensors);

        var plain = AllLogits(baseModel, adapterPath: null, scale);
        var runtime = AllLogits(baseModel, adapterPath, scale);
        var mergedLogits = AllLogits(merged, adapterPath: null, scale);

        var runtimeVsMerged = MaxAbsDifference(runtime, mergedLogits);
        var runtimeVsBase = MaxAbsDifference(runtime, plain);
        var mergedVsBase = MaxAbsDifference(mergedLogits, plain);
        var range = plain.Max() - plain.Min();
        output.WriteLine($"{plain.Length} logits over the prompt; base logit range {range:F3}");
        output.WriteLine($"max |runtime adapter - merged| = {runtimeVsMerged:E3}");
        output.WriteLine($"max |runtime adapter - base|   = {runtimeVsBase:F4}");
        output.WriteLine($"max |merged - base|            = {mergedVsBase:F4}");
        Assert.True(runtimeVsMerged < 1e-4, $"runtime adapter vs merged differ by {runtimeVsMerged}");
        Assert.True(runtimeVsBase > 0.05 * range, $"the adapter barely changes the logits ({runtimeVsBase}; range {range})");
        Assert.True(mergedVsBase > 0.05 * range, $"the merge barely changes the logits ({mergedVsBase}; range {range})");

        // The merged F32 model is an ordinary model: it quantizes to Q8_0, loads and stays near the merged F32 logits.
        var q8 = _folder.File("merged-q8_0.gguf");
        GgufQuantizer.Quantize(merged, q8, QuantizationPreset.Q8_0, threads: 2);
        using (var file = GgufFile.Open(q8))
            Assert.Equal(GgmlType.Q8_0, file.GetTensor("blk.0.attn_q.weight").Type);
        var quantized = AllLogits(q8, adapterPath: null, scale);
        var quantizedVsMerged = MaxAbsDifference(quantized, mergedLogits);
        output.WriteLine($"max |merged Q8_0 - merged F32| = {quantizedVsMerged:F4}");
        Assert.True(quantizedVsMerged < runtimeVsBase, "Q8_0 of the merged model drifted further than the adapter moved the logits");

        // A quantized base is refused with a message that says what to do instead.
        var error = Assert.Throws<LoraQuantizedBaseException>(() => LoraMerger.Merge(q8, adapterPath, _folder.File("bad.gguf")));
        Assert.Contains("F32/F16", error.Message);
        Assert.Equal("blk.0.attn_q.weight", error.TensorName);
        Assert.False(File.Exists(_folder.File("bad.gguf")));
    }

    /// <summary>Logits of every prompt position, concatenated.</summary>
    private static float[] AllLogits(string modelPath, string? adapterPath, float scale)
    {
        using var model = LlamaModel.Load(modelPath);
        using var adapter = adapterPath is null ? null : LlamaLoraAdapter.Load(model, adapterPath);
        using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 512, Threads = 2, F32KvCache = true, FlashAttention = LlamaFlashAttnType.Disabled });
        if (adapter is not null)
            LlamaLoraAdapter.Apply(context, [(adapter, scale)]);
        var tokens = model.Vocab.Tokenize(Prompt);
        using var batch = new LlamaBatchBuffer(tokens.Length);
        for (var i = 0; i < tokens.Length; i++)
            batch.AddToken(tokens[i], i, new LlamaSeqId(0), wantLogits: true);
        context.Decode(batch);
        var all = new List<float>();
        for (var i = 0; i < tokens.Length; i++)
            all.AddRange(context.GetLogits(i).ToArray());
        return all.ToArray();
    }

    private static double MaxAbsDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }

    public void Dispose() => _folder.Dispose();
}
