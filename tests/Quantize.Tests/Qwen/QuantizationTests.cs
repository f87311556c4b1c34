using DynamicCot.LlamaCpp.Engine;
using DynamicCot.LlamaCpp.Gguf;
using DynamicCot.LlamaCpp.Native;
using DynamicCot.Quantize.HuggingFace;
using DynamicCot.Quantize.Qwen;
using DynamicCot.Quantize.Quantization;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;

namespace DynamicCot.Quantize.Tests.Qwen;

/// <summary>
/// F16 and Q8_0 conversions stay close to F32; K-quant mixes give the per-tensor types llama.cpp's rules give and
/// smaller files. Uses a hidden size of 256 so K-quant blocks (256 wide) fit the rows.
/// </summary>
public sealed class QuantizationTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-quant");

    private (string F32, string F16, string Projector) Convert()
    {
        var checkpoint = Path.Combine(_folder.Path, "hf");
        TinyQwenVlFactory.Create(checkpoint, new TinyModelOptions
        {
            Architecture = QwenVlArchitecture.Qwen25Vl, HiddenSize = 256, IntermediateSize = 512, Heads = 4, KvHeads = 2, Layers = 2, Seed = 3,
        }, TinyCorpus.Read(TinyCorpus.DefaultFiles()));
        var f32 = Path.Combine(_folder.Path, "lm-f32.gguf");
        var f16 = Path.Combine(_folder.Path, "lm-f16.gguf");
        var projector = Path.Combine(_folder.Path, "mmproj-f32.gguf");
        QwenVlGgufConverter.Convert(checkpoint, f32, projector, new ConversionOptions { OutputType = GgufOutputType.F32 });
        QwenVlGgufConverter.Convert(checkpoint, f16, Path.Combine(_folder.Path, "mmproj-f16.gguf"), new ConversionOptions { OutputType = GgufOutputType.F16 });
        return (f32, f16, projector);
    }

    [Fact]
    public void Lower_precision_logits_stay_close_and_k_quants_follow_the_preset_rules()
    {
        var (f32, f16, projector) = Convert();
        var q8 = Path.Combine(_folder.Path, "lm-q8_0.gguf");
        var q4km = Path.Combine(_folder.Path, "lm-q4_k_m.gguf");
        var q6k = Path.Combine(_folder.Path, "lm-q6_k.gguf");
        GgufQuantizer.Quantize(f32, q8, QuantizationPreset.Q8_0, threads: 2);
        var q4 = GgufQuantizer.Quantize(f32, q4km, QuantizationPreset.Q4_K_M, threads: 2);
        GgufQuantizer.Quantize(f32, q6k, QuantizationPreset.Q6_K, threads: 2);

        const string prompt = "<|im_start|>user\nSuggest hashtags for: Storm warnings issued across the coast tonight<|im_end|>\n<|im_start|>assistant\n";
        var reference = LastLogits(f32, prompt);
        // Allowed max |Δlogit| as a share of the F32 logit range (CPU matmuls also quantize activations for Q types).
        foreach (var (name, path, share) in new[] { ("F16", f16, 0.005), ("Q8_0", q8, 0.03), ("Q6_K", q6k, 0.08), ("Q4_K_M", q4km, 0.25) })
        {
            var logits = LastLogits(path, prompt);
            var diffs = reference.Zip(logits, (a, b) => Math.Abs(a - (double)b)).ToArray();
            var spread = reference.Max() - reference.Min();
            output.WriteLine($"{name}: max |Δlogit| {diffs.Max():F5}, mean {diffs.Average():F5} (F32 logit range {spread:F3}), size {new FileInfo(path).Length:N0} B");
            Assert.True(diffs.Max() < share * spread, $"{name}: max |Δlogit| {diffs.Max()} ≥ {share * spread}");
            // Random tiny models have near-ties at the top, so ask only that the pick stays among F32's best three.
            var top3 = reference.Select((v, i) => (v, i)).OrderByDescending(p => p.v).Take(3).Select(p => p.i).ToArray();
            if (name is "F16" or "Q8_0")
                Assert.Contains(Array.IndexOf(logits, logits.Max()), top3);
        }

        Assert.True(new FileInfo(q4km).Length < new FileInfo(q8).Length);
        Assert.True(new FileInfo(q8).Length < new FileInfo(f16).Length);

        // llama.cpp's Q4_K_M rules on a 2-layer model: the last layer "uses more bits" for attn_v and ffn_down.
        using var file = GgufFile.Open(q4km);
        GgmlType TypeOf(string n) => file.GetTensor(n).Type;
        Assert.Equal(GgmlType.Q6_K, TypeOf("output.weight"));
        Assert.Equal(GgmlType.Q4_K, TypeOf("blk.0.attn_v.weight"));
        Assert.Equal(GgmlType.Q6_K, TypeOf("blk.1.attn_v.weight"));
        Assert.Equal(GgmlType.Q4_K, TypeOf("blk.0.ffn_down.weight"));
        Assert.Equal(GgmlType.Q6_K, TypeOf("blk.1.ffn_down.weight"));
        Assert.Equal(GgmlType.Q4_K, TypeOf("blk.0.attn_q.weight"));
        Assert.Equal(GgmlType.Q4_K, TypeOf("token_embd.weight"));
        Assert.Equal(GgmlType.F32, TypeOf("blk.0.attn_norm.weight"));
        Assert.Equal(GgmlType.F32, TypeOf("blk.0.attn_q.bias"));
        Assert.Equal((uint)LlamaFileType.MostlyQ4_K_M, file.Metadata.GetUInt32("general.file_type"));
        Assert.Equal(2u, file.Metadata.GetUInt32("general.quantization_version"));
        Assert.Equal(q4.TensorTypes["blk.1.ffn_down.weight"], TypeOf("blk.1.ffn_down.weight"));

        // The projector may go to Q8_0 and still loads with the quantized model; coarse presets are refused.
        var projectorQ8 = Path.Combine(_folder.Path, "mmproj-q8_0.gguf");
        GgufQuantizer.Quantize(projector, projectorQ8, QuantizationPreset.Q8_0, threads: 2);
        using (var model = LlamaModel.Load(q4km))
        using (var mtmd = MtmdContext.Load(projectorQ8, model, new MtmdOptions { Threads = 2 }))
            Assert.True(mtmd.SupportsVision);
        Assert.Throws<ArgumentException>(() => GgufQuantizer.Quantize(projector, Path.Combine(_folder.Path, "x.gguf"), QuantizationPreset.Q4_K_M));
    }

    private static float[] LastLogits(string modelPath, string prompt)
    {
        using var model = LlamaModel.Load(modelPath);
        using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 512, Threads = 2, F32KvCache = true, FlashAttention = LlamaFlashAttnType.Disabled });
        var tokens = model.Vocab.Tokenize(prompt);
        using var batch = new LlamaBatchBuffer(tokens.Length);
        for (var i = 0; i < tokens.Length; i++)
            batch.AddToken(tokens[i], i, new LlamaSeqId(0), wantLogits: i == tokens.Length - 1);
        context.Decode(batch);
        return context.GetLogits(tokens.Length - 1).ToArray();
    }

    public void Dispose() => _folder.Dispose();
}
