using DynamicCot.Finetune.ModelOptions;
using DynamicCot.Finetune.ModelInputs;
using DynamicCot.Finetune.Torch;
using DynamicCot.Inference.Images;
using DynamicCot.Inference.Llama;
using DynamicCot.Llama.Native;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Lora;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DynamicCot.Finetune.Tests.Torch;

/// <summary>
/// The TorchSharp language model, loaded from the Hugging Face checkpoint, equals llama.cpp serving the converted GGUF
/// for the same prompt with a real photo (embedded by mtmd, spliced in with M-RoPE positions): every row's logits.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class TorchForwardParityTests(TinyModels models, ITestOutputHelper output)
{
    [Theory]
    [InlineData(QwenVlArchitecture.Qwen2Vl)]
    [InlineData(QwenVlArchitecture.Qwen25Vl)]
    [InlineData(QwenVlArchitecture.Qwen3Vl)]
    public async Task Torch_logits_match_llama_cpp_for_a_prompt_with_a_real_photo(QwenVlArchitecture arch)
    {
        var files = models.Get(arch);
        var (reference, segments) = await LlamaReference.Logits(files, adapterPath: null);
        TorchRuntime.Initialize(2);
        using var model = QwenTextModel.Load(files.Checkpoint, ServedAs(arch));
        AssertClose(arch.ToString(), reference, Ours(model, segments));
    }

    [Theory]
    [InlineData(QwenVlArchitecture.Qwen2Vl)]
    [InlineData(QwenVlArchitecture.Qwen3Vl)]
    public async Task Torch_logits_match_llama_cpp_for_text_only(QwenVlArchitecture arch)
    {
        var files = models.Get(arch);
        var (reference, segments) = await LlamaReference.Logits(files, adapterPath: null, withImage: false);
        Assert.All(segments, s => Assert.IsType<TextSegment>(s));
        TorchRuntime.Initialize(2);
        using var model = QwenTextModel.Load(files.Checkpoint, ServedAs(arch));
        AssertClose($"{arch} text", reference, Ours(model, segments));
    }

    /// <summary>llama.cpp's qwen2vl graph runs RMSNorm with eps 0 (it ignores the key); its qwen3vl graph reads rms_norm_eps.</summary>
    private static TextModelOptions ServedAs(QwenVlArchitecture arch) =>
        new() { RmsEpsilon = arch == QwenVlArchitecture.Qwen3Vl ? null : 0f };

    [Fact]
    public async Task With_a_trained_adapter_torch_matches_llama_cpp_serving_that_adapter()
    {
        var files = models.Get(QwenVlArchitecture.Qwen25Vl);
        using var folder = TestPaths.NewTempFolder();
        TorchRuntime.Initialize(2);
        using var model = QwenTextModel.Load(files.Checkpoint, new TextModelOptions { RmsEpsilon = 0f });
        model.Lora = new LoraLayers(model, new LoraOptions { Rank = 4, Alpha = 8 });
        // A trained adapter has non-zero B; give every B seeded values large enough to move the logits.
        foreach (var (name, tensor) in model.Lora.Trainable.Where(t => t.Name.EndsWith("lora_b", StringComparison.Ordinal)))
        {
            var random = new Random(name.Length * 7919 + name[4]);
            TorchTensors.CopyInto(tensor, Enumerable.Range(0, (int)tensor.numel()).Select(_ => (float)(random.NextDouble() - 0.5) * 0.3f).ToArray());
        }
        var adapterPath = folder.File("adapter.gguf");
        LoraAdapterFile.Write(adapterPath, model.Lora.ToAdapter("qwen2vl"));

        var (reference, segments) = await LlamaReference.Logits(files, adapterPath);
        var ours = Ours(model, segments);
        AssertClose("adapter", reference, ours);
        var lora = model.Lora;
        model.Lora = null;
        var baseOnly = Ours(model, segments);
        model.Lora = lora;
        var moved = reference.Zip(baseOnly, (r, b) => r.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
        output.WriteLine($"the adapter moves logits by up to {moved:F3}");
        Assert.True(moved > 0.1, "the adapter should change the logits visibly");
    }

    private static float[][] Ours(QwenTextModel model, IReadOnlyList<SequenceSegment> segments)
    {
        using var _ = no_grad();
        using var batch = TorchBatch.Create([new TrainingSequence(segments, 0)], model.InputEmbeddingSize, OutputRows.All, CPU);
        using var logits = model.Logits(batch);
        var values = TorchTensors.ToFloats(logits);
        var vocab = (int)logits.shape[1];
        return Enumerable.Range(0, (int)logits.shape[0]).Select(r => values.AsSpan(r * vocab, vocab).ToArray()).ToArray();
    }

    private void AssertClose(string label, IReadOnlyList<float[]> reference, float[][] ours)
    {
        Assert.Equal(reference.Count, ours.Length);
        double maxDiff = 0, sumDiff = 0;
        long count = 0;
        for (var r = 0; r < reference.Count; r++)
            for (var v = 0; v < reference[r].Length; v++)
            {
                var d = Math.Abs(reference[r][v] - ours[r][v]);
                maxDiff = Math.Max(maxDiff, d);
                sumDiff += d;
                count++;
            }
        var range = reference.SelectMany(r => r).Max() - reference.SelectMany(r => r).Min();
        output.WriteLine($"{label}: {reference.Count} rows × {reference[0].Length} logits, max |Δ| {maxDiff:E2}, mean |Δ| {sumDiff / count:E2}, logit range {range:F2}");
        Assert.True(maxDiff < 1e-3, $"max |Δlogit| = {maxDiff}");
    }
}

/// <summary>llama.cpp's logits for every row of a prompt: text by token batches, the image by an embedding batch with M-RoPE positions.</summary>
internal static class LlamaReference
{
    public static async Task<(List<float[]> Logits, List<SequenceSegment> Segments)> Logits(TinyModelFiles files, string? adapterPath, bool withImage = true)
    {
        var photo = Directory.GetFiles(TestPaths.Data("vmu16_small_events", "images"), "*.jpg").Order(StringComparer.Ordinal).Skip(1).First();
        using var decoder = new ImageDecoder();
        var image = await decoder.DecodeFileAsync(photo);

        using var model = LlamaModel.Load(files.LanguageModel);
        using var context = LlamaContext.Create(model, new LlamaContextOptions
        {
            ContextSize = 1024, BatchSize = 512, Threads = 2, F32KvCache = true, FlashAttention = LlamaFlashAttnType.Disabled,
        });
        using var adapter = adapterPath is null ? null : LlamaLoraAdapter.Load(model, adapterPath);
        if (adapter is not null)
            LlamaLoraAdapter.Apply(context, [(adapter, 1f)]);
        using var mtmd = MtmdContext.Load(files.Projector, model, new MtmdOptions { Threads = 2, ImageMaxTokens = 48 });
        using var bitmap = MtmdBitmap.FromRgb(image.Width, image.Height, image.Rgb.Span);
        var media = withImage ? mtmd.Marker : "";
        var prompt = $"<|im_start|>user\n{media}Suggest hashtags for: Rescue teams reach the flooded valley<|im_end|>\n<|im_start|>assistant\n<answer>flood";
        using var chunks = mtmd.Tokenize(prompt, withImage ? [bitmap] : []);
        Assert.Equal(withImage ? 3 : 1, chunks.Chunks.Count);

        var n = model.InputEmbeddingSize;
        var reference = new List<float[]>();
        var segments = new List<SequenceSegment>();
        var position = 0;
        foreach (var chunk in chunks.Chunks)
        {
            if (chunk.Type == MtmdInputChunkType.Text)
            {
                var tokens = chunk.TextTokens.ToArray();
                using var batch = new LlamaBatchBuffer(tokens.Length);
                for (var i = 0; i < tokens.Length; i++)
                    batch.AddToken(tokens[i], position + i, new LlamaSeqId(0), wantLogits: true);
                context.Decode(batch);
                for (var i = 0; i < tokens.Length; i++)
                    reference.Add(context.GetLogits(i).ToArray());
                segments.Add(new TextSegment(tokens.Select(t => t.Value).ToArray()));
                position += tokens.Length;
            }
            else
            {
                var embeddings = mtmd.EncodeImage(chunk);
                var count = chunk.TokenCount;
                var rows = new int[count];
                var cols = new int[count];
                using var batch = new LlamaBatchBuffer(count, n, positionsPerToken: 4);
                for (var i = 0; i < count; i++)
                {
                    var p = chunk.DecoderPosition(position, i);
                    rows[i] = (int)p.Y - position;
                    cols[i] = (int)p.X - position;
                    batch.AddEmbedding(embeddings.AsSpan(i * n, n), [(int)p.T, (int)p.Y, (int)p.X, (int)p.Z], new LlamaSeqId(0), wantLogits: true);
                }
                context.Decode(batch);
                for (var i = 0; i < count; i++)
                    reference.Add(context.GetLogits(i).ToArray());
                segments.Add(new ImageSegment(embeddings, rows, cols, chunk.PositionCount));
                position += chunk.PositionCount;
            }
        }
        return (reference, segments);
    }
}
