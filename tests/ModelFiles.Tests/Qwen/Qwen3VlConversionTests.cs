using DynamicCot.Gguf;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Inference.Images;
using DynamicCot.Inference.Llama;
using DynamicCot.Llama;
using DynamicCot.Llama.Native;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using DynamicCot.Tests.Shared;

namespace DynamicCot.ModelFiles.Tests.Qwen;

/// <summary>
/// tiny Qwen3-VL → convert → llama.cpp (LLamaSharp 0.30.0's build) loads the <c>qwen3vl</c> language model and the
/// <c>qwen3vl_merger</c> projector: the architecture, the DeepStack-widened input rows, the image token grid of
/// 16-pixel patches for two image sizes, and a real photo encoded and evaluated.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class Qwen3VlConversionTests(TinyModels models)
{
    private const int Hidden = 128;
    private const int DeepstackBlocks = 2;

    [Fact]
    public void Language_model_loads_as_qwen3vl_with_deepstack_input_rows()
    {
        var files = models.Get(QwenVlArchitecture.Qwen3Vl);
        using var model = LlamaModel.Load(files.LanguageModel);
        Assert.Equal("qwen3vl", model.GetMetadata("general.architecture"));
        Assert.Equal(LlamaRopeType.IMRope, model.RopeType);
        Assert.Equal(Hidden, model.EmbeddingSize);
        // Each input row carries the image embedding plus one slice per DeepStack block (n_embd_inp).
        Assert.Equal(Hidden * (1 + DeepstackBlocks), model.InputEmbeddingSize);
        Assert.Equal("48", model.GetMetadata("qwen3vl.attention.key_length"));

        using var header = GgufFile.Open(files.Projector);
        Assert.Equal("qwen3vl_merger", header.Metadata.GetString("clip.projector_type"));
        Assert.True(header.TryGetArray<bool>("clip.vision.is_deepstack_layers", out var flags));
        Assert.Equal([true, true, false], flags);
        foreach (var name in new[] { "v.patch_embd.bias", "v.position_embd.weight", "v.blk.0.attn_qkv.weight", "v.deepstack.0.fc1.weight", "v.deepstack.1.norm.weight", "v.post_ln.weight" })
            Assert.Contains(header.Tensors, t => t.Name == name);
    }

    [Fact]
    public void The_think_markers_of_the_answer_format_are_the_models_own_reasoning_tokens_and_round_trip()
    {
        // Qwen3 adds <think> and </think> as plain added tokens; converted as user-defined tokens, llama.cpp matches them
        // in any text, so a target "<think>…</think><answer>…" trains and serves the model's own reasoning tokens.
        var files = models.Get(QwenVlArchitecture.Qwen3Vl);
        var tokenizer = HfTokenizer.Load(files.Checkpoint);
        var open = tokenizer.TokenId("<think>")!.Value;
        var close = tokenizer.TokenId("</think>")!.Value;
        using var model = LlamaModel.Load(files.LanguageModel);
        var tokens = model.Vocab.Tokenize("<think>storm</think><answer>storm</answer>").Select(t => t.Value).ToArray();
        Assert.Equal(open, tokens[0]);
        Assert.Contains(close, tokens);
        Assert.False(model.Vocab.IsControl(new LlamaToken(open)), "<think> must render as text when generated, not as a hidden control token");

        // Round trip: the training target, as the trainer tokenizes it, is what the served model would emit; detokenized
        // as serving does, it parses back to the same rationale and keyphrases.
        var target = new KeyphrasePromptBuilder().BuildTarget(["flood", "storm damage"], "Water covers the streets after the storm.");
        var targetTokens = model.Vocab.Tokenize(target);
        Assert.Equal(open, targetTokens[0].Value);
        Assert.Single(targetTokens, t => t.Value == close);
        var served = model.Vocab.Detokenize(targetTokens);
        var parsed = AnswerParser.Parse(served);
        Assert.True(parsed.WellFormed, served);
        Assert.Equal("Water covers the streets after the storm.", parsed.Rationale);
        Assert.Equal(["flood", "storm damage"], parsed.Keyphrases);
    }

    [Theory]
    // 16-pixel patches merged 2 × 2: one token per 32 × 32 pixels (Qwen2-VL's 14-pixel patches would give 88 and 18).
    [InlineData(320, 224, 70)]
    [InlineData(96, 160, 15)]
    public void Image_token_count_follows_the_16_pixel_patch_grid(int width, int height, int expectedTokens)
    {
        var files = models.Get(QwenVlArchitecture.Qwen3Vl);
        using var model = LlamaModel.Load(files.LanguageModel);
        using var mtmd = MtmdContext.Load(files.Projector, model, new MtmdOptions { Threads = 2, ImageMaxTokens = 256 });
        Assert.True(mtmd.SupportsVision);
        Assert.True(mtmd.UsesMRope);

        var rgb = new byte[width * height * 3];
        new Random(3).NextBytes(rgb);
        using var bitmap = MtmdBitmap.FromRgb(width, height, rgb);
        using var chunks = mtmd.Tokenize($"<|im_start|>user\n{mtmd.Marker}tags<|im_end|>\n", [bitmap]);
        var image = Assert.Single(chunks.Chunks, c => c.Type == MtmdInputChunkType.Image);
        Assert.Equal(expectedTokens, image.TokenCount);
        Assert.Equal(Math.Max(width, height) / 32, image.PositionCount);

        var embeddings = mtmd.EncodeImage(image);
        Assert.Equal(expectedTokens * Hidden * (1 + DeepstackBlocks), embeddings.Length);
        Assert.All(embeddings, value => Assert.True(float.IsFinite(value)));
    }

    [Fact]
    public async Task A_real_photo_is_encoded_with_deepstack_features_and_evaluated()
    {
        var files = models.Get(QwenVlArchitecture.Qwen3Vl);
        using var model = LlamaModel.Load(files.LanguageModel);
        using var context = LlamaContext.Create(model, new LlamaContextOptions { ContextSize = 2048, BatchSize = 512, Threads = 2 });
        using var mtmd = MtmdContext.Load(files.Projector, model, new MtmdOptions { Threads = 2, ImageMaxTokens = 256 });

        var photo = Directory.GetFiles(TestPaths.Data("vmu16_small_events", "images"), "*.jpg").Order(StringComparer.Ordinal).First();
        using var decoder = new ImageDecoder();
        var decoded = await decoder.DecodeFileAsync(photo);
        using var bitmap = MtmdBitmap.FromRgb(decoded.Width, decoded.Height, decoded.Rgb.Span);
        using var chunks = mtmd.Tokenize($"<|im_start|>user\n{mtmd.Marker}Suggest hashtags<|im_end|>\n<|im_start|>assistant\n", [bitmap]);
        var image = Assert.Single(chunks.Chunks, c => c.Type == MtmdInputChunkType.Image);

        var embeddings = mtmd.EncodeImage(image);
        var width = Hidden * (1 + DeepstackBlocks);
        Assert.Equal(image.TokenCount * width, embeddings.Length);
        // Every slice of every row is live: the merger output and each DeepStack block's own merger output.
        for (var slice = 0; slice <= DeepstackBlocks; slice++)
        {
            double energy = 0;
            for (var row = 0; row < image.TokenCount; row++)
                for (var i = 0; i < Hidden; i++)
                    energy += Math.Abs(embeddings[row * width + slice * Hidden + i]);
            Assert.True(energy > 0.01 * image.TokenCount * Hidden, $"slice {slice} is empty");
        }

        var next = mtmd.EvaluateChunks(context, chunks, 0, new LlamaSeqId(0), 512, logitsForLast: true);
        Assert.Equal(chunks.PositionCount, next);
        var logits = context.GetLogits(-1);
        Assert.All(logits.ToArray(), value => Assert.True(float.IsFinite(value)));
    }

    [Fact]
    public void A_mixture_of_experts_config_is_refused_naming_the_field_and_nothing_is_written()
    {
        using var folder = TestPaths.NewTempFolder("qwen3vl-moe");
        var checkpoint = Path.Combine(folder.Path, "moe");
        TinyQwenVlFactory.Create(checkpoint, new TinyModelOptions { Architecture = QwenVlArchitecture.Qwen3Vl, Seed = 5, TokenizerVocabSize = 300 },
            ["a small corpus for a small tokenizer", "hashtags for the city"]);
        var configPath = Path.Combine(checkpoint, QwenVlConfig.FileName);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(configPath))!;
        json["text_config"]!["num_experts"] = 8;
        File.WriteAllText(configPath, json.ToJsonString());

        var lm = Path.Combine(folder.Path, "lm.gguf");
        var mmproj = Path.Combine(folder.Path, "mmproj.gguf");
        var error = Assert.Throws<HfFileFormatException>(() => QwenVlGgufConverter.Convert(checkpoint, lm, mmproj));
        Assert.Equal("text_config.num_experts", error.Key);
        Assert.Contains("num_experts", error.Message);
        Assert.Empty(Directory.GetFiles(folder.Path, "*.gguf*"));
    }
}
