using DynamicCot.Finetune.ModelOptions;
using DynamicCot.Finetune.Torch;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Lora;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Torch;

[Collection(TinyModelCollection.Name)]
public sealed class LoraLayersTests(TinyModels models)
{
    [Fact]
    public void Trainer_tensors_round_trip_through_an_adapter_file_in_the_layout_llama_cpp_expects()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        TorchRuntime.Initialize(2);
        using var model = QwenTextModel.Load(files.Checkpoint);
        using var lora = new LoraLayers(model, new LoraOptions { Rank = 4, Alpha = 8, Targets = ["attn_q", "ffn_up"] });
        lora.TryGet("model.layers.0.self_attn.q_proj.weight", out var q);
        var b = Enumerable.Range(0, (int)q.B.numel()).Select(i => i * 1e-3f).ToArray();
        TorchTensors.CopyInto(q.B, b);

        var adapter = lora.ToAdapter("qwen2vl");
        Assert.Equal(4, adapter.Count);
        var pair = adapter["blk.0.attn_q.weight"];
        Assert.Equal((4, 128, 128), (pair.Rank, pair.InFeatures, pair.OutFeatures));
        Assert.Equal(b, pair.B);
        Assert.Equal((352, 128), (adapter["blk.1.ffn_up.weight"].OutFeatures, adapter["blk.1.ffn_up.weight"].InFeatures));

        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("adapter.gguf");
        LoraAdapterFile.Write(path, adapter);
        using var other = new LoraLayers(model, new LoraOptions { Rank = 4, Alpha = 8, Targets = ["attn_q", "ffn_up"], Seed = 5 });
        other.TryGet("model.layers.0.self_attn.q_proj.weight", out var before);
        Assert.NotEqual(pair.A, TorchTensors.ToFloats(before.A)); // another seed, other A
        other.LoadFrom(LoraAdapterFile.Read(path), path);
        other.TryGet("model.layers.0.self_attn.q_proj.weight", out var loaded);
        Assert.Equal(b, TorchTensors.ToFloats(loaded.B));
        Assert.Equal(pair.A, TorchTensors.ToFloats(loaded.A));

        using var wrongRank = new LoraLayers(model, new LoraOptions { Rank = 2, Alpha = 8, Targets = ["attn_q", "ffn_up"] });
        var error = Assert.Throws<LoraShapeMismatchException>(() => wrongRank.LoadFrom(adapter, path));
        Assert.Contains("rank 4", error.Message);
    }
}
