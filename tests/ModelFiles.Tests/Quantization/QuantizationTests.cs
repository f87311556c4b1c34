using DynamicCot.Inference.Llama;
using DynamicCot.Llama;
using DynamicCot.Gguf;
using DynamicCot.Llama.Native;
using DynamicCot.ModelFiles.Quantization;
using Xunit.Abstractions;

namespace DynamicCot.ModelFiles.Tests.Quantization;

/// <summary>
/// Language models quantized by llama.cpp's own quantizer load and generate through the engine, close to F32, with
/// llama.cpp's per-tensor types and sizes in the expected order; the projector is rewritten as F16 by the managed
/// path and still loads with them.
/// </summary>
public sealed class QuantizationTests(QuantizationModels models, ITestOutputHelper output) : IClassFixture<QuantizationModels>
{
    private const string Prompt = "<|im_start|>user\nSuggest hashtags for: Storm warnings issued across the coast tonight<|im_end|>\n<|im_start|>assistant\n";

    [Fact]
    public void Every_language_model_type_loads_generates_and_stays_close_to_f32()
    {
        var reference = EngineRun.LastLogits(models.F32, Prompt);
        var spread = reference.Max() - reference.Min();
        var top3 = reference.Select((v, i) => (v, i)).OrderByDescending(p => p.v).Take(3).Select(p => p.i).ToArray();
        // Allowed max |Δlogit| as a share of the F32 logit range (CPU matmuls also quantize activations for Q types).
        foreach (var (preset, share) in new[]
        {
            (QuantizationPreset.F16, 0.005), (QuantizationPreset.BF16, 0.03), (QuantizationPreset.Q8_0, 0.03),
            (QuantizationPreset.Q6_K, 0.08), (QuantizationPreset.Q5_K_M, 0.15), (QuantizationPreset.Q4_K_M, 0.25),
        })
        {
            var path = models.Quantized(preset);
            var logits = EngineRun.LastLogits(path, Prompt);
            var diffs = reference.Zip(logits, (a, b) => Math.Abs(a - (double)b)).ToArray();
            output.WriteLine($"{preset.Name}: max |Δlogit| {diffs.Max():F5}, mean {diffs.Average():F5} (F32 range {spread:F3}), {new FileInfo(path).Length:N0} B");
            Assert.True(diffs.Max() < share * spread, $"{preset.Name}: max |Δlogit| {diffs.Max()} ≥ {share * spread}");
            // Random tiny models have near-ties at the top, so ask only that the pick stays among F32's best three.
            if (preset == QuantizationPreset.F16 || preset == QuantizationPreset.Q8_0)
                Assert.Contains(Array.IndexOf(logits, logits.Max()), top3);
            var generated = EngineRun.GreedyTokens(path, Prompt, 8);
            Assert.Equal(8, generated.Length);
        }
    }

    [Fact]
    public void Files_shrink_in_the_expected_order()
    {
        long Size(QuantizationPreset p) => new FileInfo(models.Quantized(p)).Length;
        var f32 = new FileInfo(models.F32).Length;
        Assert.True(Size(QuantizationPreset.Q4_K_M) < Size(QuantizationPreset.Q5_K_M));
        Assert.True(Size(QuantizationPreset.Q5_K_M) < Size(QuantizationPreset.Q6_K));
        Assert.True(Size(QuantizationPreset.Q6_K) < Size(QuantizationPreset.Q8_0));
        Assert.True(Size(QuantizationPreset.Q8_0) < Size(QuantizationPreset.F16));
        Assert.Equal(Size(QuantizationPreset.F16), Size(QuantizationPreset.BF16));
        Assert.True(Size(QuantizationPreset.F16) < f32);
    }

    [Fact]
    public void Q4_K_M_gets_llama_cpp_s_per_tensor_types()
    {
        var result = models.Result(QuantizationPreset.Q4_K_M);
        using var file = GgufFile.Open(result.OutputPath);
        GgmlType TypeOf(string n) => file.GetTensor(n).Type;
        // On a 2-layer model llama.cpp's "more bits" rule picks the last layer's attn_v and ffn_down.
        Assert.Equal(GgmlType.Q6_K, TypeOf("output.weight"));
        Assert.Equal(GgmlType.Q4_K, TypeOf("blk.0.attn_v.weight"));
        Assert.Equal(GgmlType.Q6_K, TypeOf("blk.1.attn_v.weight"));
        Assert.Equal(GgmlType.Q4_K, TypeOf("blk.0.ffn_down.weight"));
        Assert.Equal(GgmlType.Q6_K, TypeOf("blk.1.ffn_down.weight"));
        Assert.Equal(GgmlType.Q4_K, TypeOf("blk.0.attn_q.weight"));
        Assert.Equal(GgmlType.F32, TypeOf("blk.0.attn_norm.weight"));
        Assert.Equal(GgmlType.F32, TypeOf("blk.0.attn_q.bias"));
        Assert.Equal(15u, file.Metadata.GetUInt32("general.file_type")); // LLAMA_FTYPE_MOSTLY_Q4_K_M
        Assert.Equal(TypeOf("blk.1.ffn_down.weight"), result.TensorTypes["blk.1.ffn_down.weight"]);
        // The types in the result are read back from the file, and llama.cpp logged one line per tensor.
        Assert.Equal(file.Tensors.Count, result.TensorTypes.Count);
        Assert.Contains(result.NativeLog, line => line.Contains("blk.1.ffn_down.weight") && line.Contains("q6_K"));
    }

    [Fact]
    public void Progress_follows_llama_cpp_s_tensor_lines_to_the_end()
    {
        var seen = new List<QuantizationProgress>();
        var path = Path.Combine(models.Folder, "progress-q8_0.gguf");
        GgufQuantizer.Quantize(models.F32, path, QuantizationPreset.Q8_0, threads: 2, new ReportedInline<QuantizationProgress>(seen.Add));
        using var file = GgufFile.Open(path);
        Assert.Equal(file.Tensors.Count, seen.Count);
        Assert.Equal(Enumerable.Range(1, seen.Count), seen.Select(p => p.TensorsDone));
        Assert.All(seen, p => Assert.Equal(file.Tensors.Count, p.TensorsTotal));
        Assert.Contains(seen, p => p.CurrentTensor == "token_embd.weight");
    }

    [Fact]
    public void Projector_becomes_f16_by_the_managed_path_and_loads_with_a_quantized_model()
    {
        var projectorF16 = Path.Combine(models.Folder, "mmproj-f16.gguf");
        var result = GgufQuantizer.Quantize(models.ProjectorF32, projectorF16, QuantizationPreset.F16);
        Assert.Equal(QuantizationTarget.Projector, result.Target);
        Assert.True(result.OutputBytes < result.InputBytes);
        using (var file = GgufFile.Open(projectorF16))
        {
            Assert.All(file.Tensors, t => Assert.Equal(t.Dimensions.Length <= 1 ? GgmlType.F32 : GgmlType.F16, t.Type));
            Assert.Equal(1u, file.Metadata.GetUInt32("general.file_type"));
        }
        using var model = LlamaModel.Load(models.Quantized(QuantizationPreset.Q4_K_M));
        using var mtmd = MtmdContext.Load(projectorF16, model, new MtmdOptions { Threads = 2 });
        Assert.True(mtmd.SupportsVision);
    }
}

/// <summary>Progress reported on the caller's thread, so the test sees every report before the call returns.</summary>
internal sealed class ReportedInline<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

/// <summary>Runs a GGUF through the engine: the last prompt position's logits, or a few greedy tokens.</summary>
internal static class EngineRun
{
    public static float[] LastLogits(string modelPath, string prompt)
    {
        using var model = LlamaModel.Load(modelPath);
        using var context = CreateContext(model);
        var tokens = model.Vocab.Tokenize(prompt);
        Decode(context, tokens, 0);
        return context.GetLogits(tokens.Length - 1).ToArray();
    }

    public static int[] GreedyTokens(string modelPath, string prompt, int count)
    {
        using var model = LlamaModel.Load(modelPath);
        using var context = CreateContext(model);
        var tokens = model.Vocab.Tokenize(prompt);
        Decode(context, tokens, 0);
        var logits = context.GetLogits(tokens.Length - 1).ToArray();
        var generated = new List<int>();
        for (var position = tokens.Length; generated.Count < count; position++)
        {
            var next = Array.IndexOf(logits, logits.Max());
            generated.Add(next);
            Decode(context, [new LlamaToken(next)], position);
            logits = context.GetLogits(0).ToArray();
            Assert.All(logits, v => Assert.True(float.IsFinite(v)));
        }
        return generated.ToArray();
    }

    private static LlamaContext CreateContext(LlamaModel model) => LlamaContext.Create(model,
        new LlamaContextOptions { ContextSize = 512, Threads = 2, F32KvCache = true, FlashAttention = LlamaFlashAttnType.Disabled });

    private static void Decode(LlamaContext context, LlamaToken[] tokens, int start)
    {
        using var batch = new LlamaBatchBuffer(tokens.Length);
        for (var i = 0; i < tokens.Length; i++)
            batch.AddToken(tokens[i], start + i, new LlamaSeqId(0), wantLogits: i == tokens.Length - 1);
        context.Decode(batch);
    }
}
