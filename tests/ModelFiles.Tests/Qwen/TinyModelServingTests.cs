using DynamicCot.Inference.Images;
using DynamicCot.Inference.Llama;
using DynamicCot.Llama.Native;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;

namespace DynamicCot.ModelFiles.Tests.Qwen;

/// <summary>tiny → convert → llama.cpp loads the LM and the mmproj, evaluates a chat prompt with a real photo, and generates.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class TinyModelServingTests(TinyModels models)
{
    [Theory]
    [InlineData(QwenVlArchitecture.Qwen2Vl)]
    [InlineData(QwenVlArchitecture.Qwen25Vl)]
    public async Task Converted_tiny_model_answers_a_prompt_with_a_real_photo(QwenVlArchitecture arch)
    {
        var files = models.Get(arch);
        using var model = LlamaModel.Load(files.LanguageModel);
        Assert.Equal(LlamaRopeType.MRope, model.RopeType);
        Assert.Equal(128, model.EmbeddingSize);
        Assert.Equal(2, model.LayerCount);
        using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 2048, BatchSize = 512, Threads = 2 });
        using var mtmd = MtmdContext.Load(files.Projector, model, new MtmdOptions { Threads = 2, ImageMaxTokens = 256 });
        Assert.True(mtmd.SupportsVision);
        Assert.True(mtmd.UsesMRope);

        var photo = Directory.GetFiles(TestPaths.Data("vmu16_small_events", "images"), "*.jpg").Order(StringComparer.Ordinal).First();
        using var decoder = new ImageDecoder();
        var image = await decoder.DecodeFileAsync(photo);
        using var bitmap = MtmdBitmap.FromRgb(image.Width, image.Height, image.Rgb.Span);

        var prompt = $"<|im_start|>user\n{mtmd.Marker}Suggest hashtags for: Flooding in the city centre tonight<|im_end|>\n<|im_start|>assistant\n";
        using var chunks = mtmd.Tokenize(prompt, [bitmap]);
        Assert.Equal(3, chunks.Chunks.Count);
        Assert.Equal(MtmdInputChunkType.Image, chunks.Chunks[1].Type);
        var imageChunk = chunks.Chunks[1];
        Assert.True(imageChunk.TokenCount > 0);
        Assert.True(imageChunk.PositionCount < imageChunk.TokenCount, "M-RoPE images advance positions by max(nx, ny), not n_tokens");

        var next = mtmd.EvaluateChunks(context, chunks, 0, new LlamaSeqId(0), 512, logitsForLast: true);
        Assert.Equal(chunks.PositionCount, next);

        using var sampler = new SamplerChain().Greedy();
        using var batch = new LlamaBatchBuffer(1);
        var generated = new List<LlamaToken>();
        for (var i = 0; i < 8; i++)
        {
            var token = sampler.Sample(context, -1);
            generated.Add(token);
            if (model.Vocab.IsEndOfGeneration(token))
                break;
            batch.Clear();
            batch.AddToken(token, next++, new LlamaSeqId(0), wantLogits: true);
            context.Decode(batch);
        }
        Assert.NotEmpty(generated);
        Assert.All(generated, t => Assert.InRange(t.Value, 0, model.Vocab.Count - 1));
    }
}
