using DynamicCot.Finetune.Lora;
using DynamicCot.Finetune.Model;
using DynamicCot.Quantize.HuggingFace;
using DynamicCot.Quantize.Lora;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Lora;

[Collection(TinyModelCollection.Name)]
public sealed class LoraParametersAdapterTests(TinyModels models)
{
    [Fact]
    public void Trainer_tensors_round_trip_through_an_adapter_file_that_llama_cpp_layouts_expect()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        using var backend = new GgmlCpuBackend(2);
        using var weights = QwenLmWeights.Load(files.LanguageModel, backend);
        using var lora = new LoraParameters(weights, new LoraOptions { Rank = 4, Alpha = 8, Targets = ["attn_q", "ffn_up"] }, backend);
        lora.TryGet("blk.0.attn_q.weight", out var q);
        var b = Enumerable.Range(0, (int)(GgmlTensorStore.ShapeOf(q.B)[0] * GgmlTensorStore.ShapeOf(q.B)[1])).Select(i => i * 1e-3f).ToArray();
        GgmlTensorStore.Write(q.B, b);

        var adapter = lora.ToAdapter("qwen2vl");
        Assert.Equal(4, adapter.Count);
        var pair = adapter["blk.0.attn_q.weight"];
        Assert.Equal((4, 128), (pair.Rank, pair.InFeatures));
        Assert.Equal(b, pair.B);

        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("adapter.gguf");
        LoraAdapterFile.Write(path, adapter);
        using var other = new LoraParameters(weights, new LoraOptions { Rank = 4, Alpha = 8, Targets = ["attn_q", "ffn_up"], Seed = 5 }, backend);
        other.LoadFrom(LoraAdapterFile.Read(path), path);
        other.TryGet("blk.0.attn_q.weight", out var loaded);
        Assert.Equal(b, GgmlTensorStore.ReadFloats(loaded.B));
        Assert.Equal(pair.A, GgmlTensorStore.ReadFloats(loaded.A));

        using var wrongRank = new LoraParameters(weights, new LoraOptions { Rank = 2, Alpha = 8, Targets = ["attn_q", "ffn_up"] }, backend);
        var error = Assert.Throws<LoraShapeMismatchException>(() => wrongRank.LoadFrom(adapter, path));
        Assert.Contains("rank 4", error.Message);
    }
}
