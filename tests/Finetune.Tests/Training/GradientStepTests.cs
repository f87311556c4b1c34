using DynamicCot.Finetune.Model;
using DynamicCot.Finetune.Training;
using DynamicCot.LlamaCpp.Engine;
using DynamicCot.Quantize.HuggingFace;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;

namespace DynamicCot.Finetune.Tests.Training;

/// <summary>The LoRA gradients are right (finite differences) and AdamW with them fits a sample.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class GradientStepTests(TinyModels models, ITestOutputHelper output)
{
    private static TrainingSequence Sample(LlamaModel model, string prompt, string target)
    {
        var p = model.Vocab.Tokenize(prompt).Select(t => t.Value).ToArray();
        var a = model.Vocab.Tokenize(target).Select(t => t.Value).ToArray();
        return new TrainingSequence([new TextSegment([.. p, .. a])], a.Length);
    }

    [Fact]
    public void Lora_gradients_match_finite_differences_and_adamw_fits_a_sample()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        using var model = LlamaModel.Load(files.LanguageModel);
        var batch = PackedBatch.Pack(
        [
            Sample(model, "<|im_start|>user\nSuggest hashtags for: Storm hits the coast<|im_end|>\n<|im_start|>assistant\n", "<answer>storm, coast</answer><|im_end|>"),
            Sample(model, "<|im_start|>user\nSuggest hashtags for: Marathon in the rain<|im_end|>\n<|im_start|>assistant\n", "<answer>marathon</answer><|im_end|>"),
        ], model.EmbeddingSize);

        using var backend = new GgmlCpuBackend(2);
        using var weights = QwenLmWeights.Load(files.LanguageModel, backend);
        using var lora = new LoraParameters(weights, new LoraOptions { Rank = 4, Alpha = 8, Targets = ["attn_q", "attn_v", "ffn_down"] }, backend);

        // Move B off zero so every LoRA path carries gradient, then compare with central differences.
        foreach (var (name, tensor) in lora.Trainable.Where(t => t.Name.EndsWith("lora_b", StringComparison.Ordinal)))
        {
            var values = GgmlTensorStore.ReadFloats(tensor);
            var random = new Random(name.Length);
            for (var i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
            GgmlTensorStore.Write(tensor, values);
        }
        var analytic = GradientStep.Run(backend, weights, lora, batch, 0f);
        foreach (var (name, tensor) in lora.Trainable.Where(t => t.Name.StartsWith("blk.1.", StringComparison.Ordinal)))
        {
            var values = GgmlTensorStore.ReadFloats(tensor);
            var index = Array.IndexOf(analytic.Gradients[name], analytic.Gradients[name].MaxBy(MathF.Abs));
            const float h = 1e-2f;
            var original = values[index];
            values[index] = original + h;
            GgmlTensorStore.Write(tensor, values);
            var plus = GradientStep.Run(backend, weights, lora, batch, 0f).Loss;
            values[index] = original - h;
            GgmlTensorStore.Write(tensor, values);
            var minus = GradientStep.Run(backend, weights, lora, batch, 0f).Loss;
            values[index] = original;
            GgmlTensorStore.Write(tensor, values);
            var numeric = (plus - minus) / (2 * h);
            var exact = analytic.Gradients[name][index];
            output.WriteLine($"{name}[{index}]: analytic {exact:E4}, numeric {numeric:E4}");
            Assert.True(Math.Abs(numeric - exact) <= 0.05 * Math.Abs(exact) + 1e-4, $"{name}[{index}]: analytic {exact}, numeric {numeric}");
        }

        // AdamW over a few steps fits the two samples.
        using var optimizer = new AdamWOptimizer(backend, lora.Trainable, new AdamWOptions { WeightDecay = 0 });
        var first = GradientStep.Run(backend, weights, lora, batch, 0f).Loss;
        var last = first;
        for (var step = 0; step < 30; step++)
        {
            var result = GradientStep.Run(backend, weights, lora, batch, 0f);
            last = result.Loss;
            optimizer.Step(result.Gradients, 1e-2f);
        }
        last = GradientStep.Run(backend, weights, lora, batch, 0f).Loss;
        output.WriteLine($"loss {first:F3} → {last:F3} after 30 AdamW steps");
        Assert.True(last < first * 0.3, $"loss {first} → {last}");
        Assert.Equal(30, optimizer.Steps);
    }
}
