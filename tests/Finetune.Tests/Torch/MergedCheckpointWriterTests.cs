using DynamicCot.Finetune.Model;
using DynamicCot.Finetune.Torch;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DynamicCot.Finetune.Tests.Torch;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MergedWriteCollection
{
    public const string Name = "merged write (measures managed memory, runs alone)";
}

/// <summary>
/// <c>merged/</c> is written as <c>save_pretrained</c> writes a checkpoint — BF16 shards and an index — with each LoRA
/// target equal to <c>W + (α/r)·B·A</c> of the base's stored weight, every other tensor the base's bytes, and the
/// writer holding one matrix at a time rather than the model.
/// </summary>
[Collection(MergedWriteCollection.Name)]
public sealed class MergedCheckpointWriterTests(ITestOutputHelper output)
{
    private static readonly string[] Targets = ["attn_q", "attn_v", "ffn_down"];

    [Fact]
    public void A_lora_merge_is_written_as_bf16_shards_with_an_index_holding_one_matrix_at_a_time()
    {
        using var folder = TestPaths.NewTempFolder("dynamiccot-merge");
        var checkpoint = folder.File("base");
        // Matrices large enough that the model (≈ 190 MB as F32) dwarfs one matrix (4 MB), BF16 as Hugging Face ships them.
        TinyQwenVlFactory.Create(checkpoint, new TinyModelOptions
        {
            Seed = 3, HiddenSize = 512, IntermediateSize = 2048, Layers = 12, Heads = 8, KvHeads = 4, StoreAs = SafetensorsDType.BF16,
        }, TinyCorpus.Read(TinyCorpus.DefaultFiles()));
        TorchRuntime.Initialize(2);
        using var model = QwenTextModel.Load(checkpoint, new TextModelOptions { WeightDType = ScalarType.BFloat16 });
        model.Lora = new LoraLayers(model, new LoraOptions { Rank = 4, Alpha = 8, Targets = Targets });
        foreach (var (name, tensor) in model.Lora.Trainable.Where(t => t.Name.EndsWith("lora_b", StringComparison.Ordinal)))
        {
            var random = new Random(name.GetHashCode(StringComparison.Ordinal));
            TorchTensors.CopyInto(tensor, Enumerable.Range(0, (int)tensor.numel()).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray());
        }
        long modelF32Bytes;
        using (var source = SafetensorsCheckpoint.Open(checkpoint))
            modelF32Bytes = source.Tensors.Sum(t => t.ElementCount * 4);

        var (merged, peakManaged) = PeakManagedBytes(() =>
            MergedCheckpointWriter.Write(model, checkpoint, folder.File("merged"), maxShardBytes: 12_000_000));
        output.WriteLine($"model {modelF32Bytes / 1e6:F1} MB as F32; the writer's managed heap peaked {peakManaged / 1e6:F1} MB above where it started");
        Assert.True(peakManaged < modelF32Bytes / 4, $"the writer held {peakManaged:N0} bytes for a model of {modelF32Bytes:N0} F32 bytes");

        var shards = Directory.GetFiles(merged, "model-*-of-*.safetensors");
        Assert.True(shards.Length >= 2, $"{shards.Length} shard(s)");
        Assert.True(File.Exists(Path.Combine(merged, SafetensorsCheckpoint.IndexFileName)));
        Assert.True(File.Exists(Path.Combine(merged, "config.json")));
        Assert.All(shards, s => Assert.True(new FileInfo(s).Length <= 12_000_000 + 1_000_000 || SafetensorsHeader.Read(s).Tensors.Count == 1));

        using var written = SafetensorsCheckpoint.Open(merged);
        using var original = SafetensorsCheckpoint.Open(checkpoint);
        Assert.Equal(original.Tensors.Select(t => t.Name).Order(), written.Tensors.Select(t => t.Name).Order());
        Assert.All(written.Tensors, t => Assert.Equal(SafetensorsDType.BF16, t.DType));
        var scale = model.Lora.Options.Scale;
        var largestMergeError = 0.0;
        var moved = 0.0;
        foreach (var info in original.Tensors)
        {
            var canonical = QwenVlTensorMapping.Canonicalize(info.Name);
            if (!model.Lora.TryGet(canonical, out var pair))
            {
                Assert.True(original.GetBytes(info.Name).SequenceEqual(written.GetBytes(info.Name)), $"{info.Name} changed");
                continue;
            }
            // The expected merge, computed here in double from the stored base and the adapter.
            var w = original.ReadFloat32(info.Name);
            var a = TorchTensors.ToFloats(pair.A);
            var b = TorchTensors.ToFloats(pair.B);
            var got = written.ReadFloat32(info.Name);
            int rows = (int)info.Shape[0], columns = (int)info.Shape[1], rank = (int)pair.A.shape[0];
            for (var r = 0; r < rows; r++)
                for (var c = 0; c < columns; c++)
                {
                    double delta = 0;
                    for (var k = 0; k < rank; k++) delta += (double)b[r * rank + k] * a[k * columns + c];
                    var expected = w[r * columns + c] + scale * delta;
                    var error = Math.Abs(got[r * columns + c] - expected) / Math.Max(Math.Abs(expected), 1e-3);
                    largestMergeError = Math.Max(largestMergeError, error);
                    moved = Math.Max(moved, Math.Abs(got[r * columns + c] - w[r * columns + c]));
                }
        }
        output.WriteLine($"merged LoRA targets: largest relative error vs W + s·B·A {largestMergeError:E2} (BF16 rounding ≤ 3.9e-3); largest change from the base {moved:F3}");
        Assert.True(moved > 0.01, "the adapters should change the weights");
        Assert.True(largestMergeError <= 4e-3, $"relative error {largestMergeError}");
    }

    /// <summary>Runs <paramref name="write"/> while sampling the live managed heap (after full collections); returns its result and the peak above the start.</summary>
    private static (T Result, long Peak) PeakManagedBytes<T>(Func<T> write)
    {
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        using var done = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            while (!done.IsSet)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
                done.Wait(2);
            }
        }) { IsBackground = true };
        sampler.Start();
        var result = write();
        done.Set();
        sampler.Join();
        return (result, peak);
    }
}
