using DynamicCot.Finetune.ModelOptions;
using DynamicCot.Finetune.ModelInputs;
using DynamicCot.Finetune.Torch;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DynamicCot.Finetune.Tests.Torch;

/// <summary>
/// Backpropagation from the language model's answer loss through the spliced-in image rows into the vision tower is
/// right: gradients of a tower weight, of the merger and of vision LoRA matrices agree with central finite differences
/// (tower and language model in float64, a crop of a real photo).
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class VisionGradientTests(TinyModels models, ITestOutputHelper output)
{
    [Theory]
    [InlineData(QwenVlArchitecture.Qwen2Vl)]
    [InlineData(QwenVlArchitecture.Qwen25Vl)]
    [InlineData(QwenVlArchitecture.Qwen3Vl)]
    public async Task Vision_gradients_match_finite_differences(QwenVlArchitecture arch)
    {
        var qwen3 = arch == QwenVlArchitecture.Qwen3Vl;
        int token = qwen3 ? 32 : 28, width = 3 * token, height = 2 * token;
        var files = models.Get(arch);
        var crop = await VisionTowerParityTests.PhotoCrop(width, height);
        TorchRuntime.Initialize(2);
        using var language = QwenTextModel.Load(files.Checkpoint, new TextModelOptions { DType = ScalarType.Float64 });
        using var tower = QwenVisionModel.Load(files.Checkpoint, new VisionModelOptions { DType = ScalarType.Float64 });
        using var lora = new LoraLayers(tower, new LoraOptions { Rank = 2, Alpha = 4, Targets = ["attn_q", "ffn_down"] });
        tower.Lora = lora;
        // B starts at zero; give it values so that A's gradient is not zero either.
        foreach (var (name, tensor) in lora.Trainable.Where(t => t.Name.EndsWith("lora_b", StringComparison.Ordinal)))
            TorchTensors.CopyInto(tensor, Enumerable.Range(0, (int)tensor.numel()).Select(i => (float)Math.Sin(i + name.Length) * 0.2f).ToArray());
        using var pixels = tower.Pixels(crop, width, height, PreprocessorConfig.Load(files.Checkpoint), "crop");

        int nx = width / token, ny = height / token, tokens = nx * ny;
        var image = new ImageSegment(new float[tokens * language.InputEmbeddingSize],
            Enumerable.Range(0, tokens).Select(i => i / nx).ToArray(), Enumerable.Range(0, tokens).Select(i => i % nx).ToArray(), Math.Max(nx, ny));
        var sequence = new TrainingSequence([new TextSegment([11, 12, 13]), image, new TextSegment([14, 15, 16, 17, 18])], 5);
        using var batch = TorchBatch.Create([sequence], language.InputEmbeddingSize, OutputRows.Supervised, CPU);

        double Loss()
        {
            using var scope = NewDisposeScope();
            return F.cross_entropy(language.Logits(batch, tower.Embed(pixels)), batch.Labels).item<double>();
        }

        var weight = tower.Parameters["visual.blocks.0.attn.qkv.weight"];
        var mergerName = qwen3 ? "visual.merger.linear_fc1.weight" : "visual.merger.mlp.0.weight";
        var patch = tower.Parameters["visual.patch_embed.proj.weight"];
        // Qwen3-VL: also the learned position table and a DeepStack merger, whose output enters decoder layer 0.
        (string, Tensor)[] qwen3Only = qwen3
            ? [("visual.pos_embed.weight", tower.Parameters["visual.pos_embed.weight"]), ("visual.deepstack_merger_list.0.linear_fc1.weight", tower.Parameters["visual.deepstack_merger_list.0.linear_fc1.weight"])]
            : [];
        (string, Tensor)[] checkedTensors =
        [
            ("visual.blocks.0.attn.qkv.weight", weight), (mergerName, tower.Parameters[mergerName]), ("visual.patch_embed.proj.weight", patch),
            .. qwen3Only,
            .. lora.Trainable.Where(t => t.Name.Contains("blocks.1.", StringComparison.Ordinal)),
        ];
        foreach (var (_, t) in checkedTensors) t.requires_grad_(true);
        using (var scope = NewDisposeScope())
            F.cross_entropy(language.Logits(batch, tower.Embed(pixels)), batch.Labels).backward();

        foreach (var (name, tensor) in checkedTensors)
        {
            var flatGrad = tensor.grad!.reshape(-1);
            var index = flatGrad.abs().argmax().item<long>();
            var exact = flatGrad[index].item<double>();
            const double h = 1e-6;
            double Perturbed(double delta)
            {
                using (no_grad()) tensor.reshape(-1)[index].add_(delta);
                return Loss();
            }
            var plus = Perturbed(h);
            var minus = Perturbed(-2 * h);
            Perturbed(h);
            var numeric = (plus - minus) / (2 * h);
            output.WriteLine($"{arch} {name}[{index}]: analytic {exact:E6}, numeric {numeric:E6}");
            Assert.True(Math.Abs(exact) > 1e-8, $"{name}: the gradient should not vanish");
            Assert.True(Math.Abs(numeric - exact) <= 0.01 * Math.Abs(exact), $"{name}[{index}]: analytic {exact}, numeric {numeric}");
        }
    }
}
