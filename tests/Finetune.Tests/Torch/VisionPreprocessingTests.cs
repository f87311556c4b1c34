using DynamicCot.Finetune.Torch;
using DynamicCot.Inference.Llama;
using DynamicCot.Llama.Native;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DynamicCot.Finetune.Tests.Torch;

/// <summary>
/// The trainer prepares an image for the TorchSharp tower as mtmd prepares it for serving: the same token grid for
/// every size and budget, the same canvas layout, and — for a real photo mtmd has to shrink — embeddings within a
/// measured bound of mtmd's.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class VisionPreprocessingTests(TinyModels models, ITestOutputHelper output)
{
    [Fact]
    public void The_canvas_size_gives_the_token_grid_mtmd_picks()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        using var llama = LlamaModel.Load(files.LanguageModel);
        (int W, int H)[] sizes = [(599, 337), (600, 539), (337, 599), (1344, 756), (60, 40), (30, 700), (28, 28), (1000, 1000), (141, 99)];
        foreach (var budget in new[] { 32, 256 })
        {
            using var mtmd = MtmdContext.Load(files.Projector, llama, new MtmdOptions { Threads = 2, ImageMaxTokens = budget });
            foreach (var (w, h) in sizes)
            {
                using var bitmap = MtmdBitmap.FromRgb(w, h, new byte[w * h * 3]);
                using var chunks = mtmd.Tokenize(mtmd.Marker, [bitmap]);
                var chunk = chunks.Chunks.Single(c => c.Type == MtmdInputChunkType.Image);
                int columns = 0, rows = 0;
                for (var i = 0; i < chunk.TokenCount; i++)
                {
                    var p = chunk.DecoderPosition(0, i);
                    columns = Math.Max(columns, (int)p.X + 1);
                    rows = Math.Max(rows, (int)p.Y + 1);
                }
                var (cw, ch) = VisionImageSize.For(w, h, 28, budget);
                Assert.True((cw / 28, ch / 28) == (columns, rows), $"{w}×{h} at {budget} tokens: mtmd {columns}×{rows}, ours {cw / 28}×{ch / 28}");
                Assert.Equal(columns * rows, chunk.TokenCount);
            }
        }
    }

    [Fact]
    public void A_flat_image_mtmd_must_shrink_and_pad_gives_mtmds_embeddings()
    {
        // One colour: the resampling filter cannot matter, so this pins the canvas size, the scaled picture's size
        // and position and the fill colour to the parity bound of exact-size crops.
        const int width = 600, height = 539;
        var rgb = new byte[width * height * 3];
        for (var i = 0; i < rgb.Length; i++) rgb[i] = (byte)(60 + 50 * (i % 3));
        var (maxDiff, _) = Compare(rgb, width, height, budget: 32);
        Assert.True(maxDiff <= 2e-3, $"max |Δ| = {maxDiff}");
    }

    [Theory]
    [InlineData("eclipse_08.jpg", 32)]
    [InlineData("eclipse_01.jpg", 64)]
    public async Task A_real_photo_mtmd_must_shrink_gives_mtmds_embeddings(string name, int budget)
    {
        using var decoder = new DynamicCot.Inference.Images.ImageDecoder();
        var image = await decoder.DecodeFileAsync(TestPaths.Data("vmu16_small_events", "images", name));
        var (maxDiff, range) = Compare(image.Rgb.ToArray(), image.Width, image.Height, budget);
        // Measured on CPU with the tiny random tower: max |Δ| 9.5e-4 (eclipse_08, 32 tokens) and 1.5e-3 (eclipse_01,
        // 64 tokens), the level of crops mtmd keeps as they are. Any other filter is far off: Pillow-style bicubic,
        // bilinear and Lanczos, and llama.cpp's cubic, leave 0.36–0.96; stretching without the padding 1.1–1.6.
        Assert.True(range > 1, "the embeddings should vary");
        Assert.True(maxDiff <= 3e-3, $"{name}: max |Δ| = {maxDiff}");
    }

    private (double Max, double Range) Compare(byte[] rgb, int width, int height, int budget)
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        float[] reference;
        using (var llama = LlamaModel.Load(files.LanguageModel))
        using (var mtmd = MtmdContext.Load(files.Projector, llama, new MtmdOptions { Threads = 2, ImageMaxTokens = budget, FlashAttention = LlamaFlashAttnType.Disabled }))
        using (var bitmap = MtmdBitmap.FromRgb(width, height, rgb))
        using (var chunks = mtmd.Tokenize(mtmd.Marker, [bitmap]))
            reference = mtmd.EncodeImage(chunks.Chunks.Single(c => c.Type == MtmdInputChunkType.Image));

        TorchRuntime.Initialize(2);
        using var tower = QwenVisionModel.Load(files.Checkpoint);
        using var preparer = new VisionImagePreparer(tower.TokenPixels, budget);
        var prepared = preparer.Prepare(rgb, width, height, "image");
        float[] ours;
        using (no_grad())
        using (var pixels = tower.Pixels(prepared.Rgb, prepared.Width, prepared.Height, PreprocessorConfig.Load(files.Checkpoint), "image"))
        using (var embeddings = tower.Embed(pixels))
            ours = TorchTensors.ToFloats(embeddings);
        Assert.Equal(reference.Length, ours.Length);
        var max = reference.Zip(ours, (a, b) => (double)Math.Abs(a - b)).Max();
        var range = reference.Max() - reference.Min();
        output.WriteLine($"{width}×{height} at {budget} tokens → {prepared.Width}×{prepared.Height}: max |Δ| {max:E2}, mean |Δ| {reference.Zip(ours, (a, b) => (double)Math.Abs(a - b)).Average():E2}, range {range:F2}");
        return (max, range);
    }
}
