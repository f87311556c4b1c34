using DynamicCot.Inference.Llama;
using DynamicCot.Llama;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;
using LLama;
using LLama.Common;
using LLama.Native;

namespace DynamicCot.Inference.Tests.Llama;

/// <summary>
/// LLamaSharp 0.30's own multimodal path, as a minimal program on a tiny real-architecture Qwen2-VL: load, tokenize a
/// prompt holding <c>&lt;__media__&gt;</c> with an RGB bitmap, evaluate the chunks, read logits — through its public API
/// only, never touching <see cref="NativeApi.mtmd_get_marker"/>. It works, repeatedly, and the image reaches the
/// logits; so tokenizing and walking chunks go through LLamaSharp, and only what it lacks is bound by hand.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class LlamaSharpMtmdTests(TinyModels models)
{
    [Fact]
    public void Tokenize_and_EvaluateChunks_with_the_default_marker_work_again_and_again_and_see_the_image()
    {
        LlamaBackend.Initialize();
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        var parameters = new ModelParams(files.LanguageModel) { ContextSize = 512, BatchSize = 64, Threads = 2, GpuLayerCount = 0 };
        using var weights = LLamaWeights.LoadFromFile(parameters);
        var mtmdParameters = MtmdContextParams.Default();
        mtmdParameters.NThreads = 2;
        mtmdParameters.UseGpu = false;
        mtmdParameters.ImageMaxTokens = 64;
        using var mtmd = MtmdWeights.LoadFromFile(files.Projector, weights, mtmdParameters);
        var marker = NativeApi.MtmdDefaultMarker();
        Assert.Equal("<__media__>", marker);
        var prompt = $"<|im_start|>user\nTag this {marker} please<|im_end|>\n<|im_start|>assistant\n";

        float[]? first = null;
        for (var round = 0; round < 3; round++)
        {
            // The same image each round: the logits must not drift (a corrupted context would change or abort them).
            var logits = Run(weights, mtmd, parameters, prompt, Gradient(96, 64, seed: 7));
            first ??= logits;
            Assert.Equal(first, logits);
        }
        var other = Run(weights, mtmd, parameters, prompt, Gradient(96, 64, seed: 200));
        Assert.NotEqual(first, other);
    }

    private static float[] Run(LLamaWeights weights, MtmdWeights mtmd, ModelParams parameters, string prompt, byte[] rgb)
    {
        using var image = SafeMtmdEmbed.FromRgbBytes(96, 64, rgb)!;
        var status = mtmd.Tokenize(prompt, addSpecial: false, parseSpecial: true, [image], out var chunks);
        Assert.Equal(0, status);
        using (chunks)
        {
            Assert.Equal(
                [SafeMtmdInputChunk.SafeMtmdInputChunkType.Text, SafeMtmdInputChunk.SafeMtmdInputChunkType.Image, SafeMtmdInputChunk.SafeMtmdInputChunkType.Text],
                chunks!.Enumerate().Select(c => c.Type));
            using var context = weights.CreateContext(parameters);
            var past = 0;
            Assert.Equal(0, mtmd.EvaluateChunks(chunks, context.NativeHandle, ref past, 0, 64, true));
            Assert.Equal(chunks.CountPositions(), past);
            var logits = context.NativeHandle.GetLogitsIth(-1).ToArray();
            Assert.All(logits, l => Assert.True(float.IsFinite(l)));
            return logits;
        }
    }

    private static byte[] Gradient(int width, int height, int seed)
    {
        var rgb = new byte[width * height * 3];
        for (var i = 0; i < rgb.Length; i++)
            rgb[i] = (byte)((i * seed) % 251);
        return rgb;
    }
}
