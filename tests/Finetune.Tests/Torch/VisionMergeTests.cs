using DynamicCot.Finetune.ModelOptions;
using DynamicCot.Finetune.Torch;
using DynamicCot.Inference.Llama;
using DynamicCot.Llama.Native;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DynamicCot.Finetune.Tests.Torch;

/// <summary>
/// A trained vision tower reaches serving: the merged checkpoint carries the LoRA-merged vision weights, and the
/// mmproj <c>convert</c> makes from it gives mtmd embeddings equal to the trained TorchSharp tower's.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class VisionMergeTests(TinyModels models, ITestOutputHelper output)
{
    [Fact]
    public async Task Merged_checkpoint_converts_to_an_mmproj_that_serves_the_trained_tower()
    {
        const int width = 112, height = 84;
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        var crop = await VisionTowerParityTests.PhotoCrop(width, height);
        using var folder = TestPaths.NewTempFolder();
        TorchRuntime.Initialize(2);
        using var language = QwenTextModel.Load(files.Checkpoint);
        using var tower = QwenVisionModel.Load(files.Checkpoint);
        tower.Lora = new LoraLayers(tower, new LoraOptions { Rank = 4, Alpha = 8, Targets = ["attn_q", "attn_output", "ffn_up", "ffn_down"] });
        foreach (var (name, tensor) in tower.Lora.Trainable.Where(t => t.Name.EndsWith("lora_b", StringComparison.Ordinal)))
        {
            var random = new Random(name.Length * 31 + name[^8]);
            TorchTensors.CopyInto(tensor, Enumerable.Range(0, (int)tensor.numel()).Select(_ => (float)(random.NextDouble() - 0.5) * 0.3f).ToArray());
        }
        var preprocessor = PreprocessorConfig.Load(files.Checkpoint);
        float[] trained, untrained;
        using (no_grad())
        using (var pixels = tower.Pixels(crop, width, height, preprocessor, "crop"))
        {
            using (var e = tower.Embed(pixels)) trained = TorchTensors.ToFloats(e);
            var lora = tower.Lora;
            tower.Lora = null;
            using (var e = tower.Embed(pixels)) untrained = TorchTensors.ToFloats(e);
            tower.Lora = lora;
        }

        var merged = MergedCheckpointWriter.Write(language, files.Checkpoint, folder.File("merged"), tower);
        var lm = folder.File("merged.gguf");
        var mmproj = folder.File("merged-mmproj.gguf");
        QwenVlGgufConverter.Convert(merged, lm, mmproj, new ConversionOptions { OutputType = GgufOutputType.F32 });

        float[] served;
        using (var llama = LlamaModel.Load(lm))
        using (var mtmd = MtmdContext.Load(mmproj, llama, new MtmdOptions { Threads = 2, ImageMaxTokens = width * height / (28 * 28), FlashAttention = LlamaFlashAttnType.Disabled }))
        using (var bitmap = MtmdBitmap.FromRgb(width, height, crop))
        using (var chunks = mtmd.Tokenize(mtmd.Marker, [bitmap]))
            served = mtmd.EncodeImage(chunks.Chunks.Single(c => c.Type == MtmdInputChunkType.Image));

        var moved = trained.Zip(untrained, (a, b) => Math.Abs(a - b)).Max();
        var maxDiff = trained.Zip(served, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"LoRA moves the embeddings by up to {moved:F3}; served vs trained tower max |Δ| {maxDiff:E2}");
        Assert.True(moved > 0.05, "the vision LoRA should change the embeddings visibly");
        Assert.True(maxDiff <= 2e-3, $"max |Δ| = {maxDiff}");
    }
}
