using DynamicCot.Finetune.Training;
using DynamicCot.ModelFiles.Lora;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Training;

public sealed class TrainingCheckpointStoreTests : IDisposable
{
    private readonly TempFolder _run = TestPaths.NewTempFolder("dynamiccot-ckpt");

    private static TrainingCheckpoint Sample(long step)
    {
        var random = new Random((int)step);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var adapter = new LoraAdapter("qwen2vl", 16, new LoraAdapterInfo { BaseModelName = "tiny" })
            .Add(new LoraTensorPair("blk.0.attn_q.weight", 4, 8, 6, Values(32), Values(24)))
            .Add(new LoraTensorPair("blk.0.attn_v.weight", 4, 8, 2, Values(32), Values(8)));
        return new TrainingCheckpoint
        {
            Step = step,
            Epoch = 2,
            PositionInEpoch = 3,
            DataOrder = [4, 0, 3, 1, 2],
            DataOrderSeed = 99,
            RngState = 0xDEADBEEFCAFEF00D,
            Optimizer = new OptimizerState(step, new Dictionary<string, AdamWMoments>
            {
                ["blk.0.attn_q.weight.lora_a"] = new(Values(32), Values(32)),
                ["blk.0.attn_q.weight.lora_b"] = new(Values(24), Values(24)),
            }),
            Adapter = adapter,
            RunOptionsJson = "{\"strategy\":\"dynamic\",\"gamma\":0.4,\"epochs\":3}",
            SampleSftLosses = [1.5, double.NaN, 0.25, 3, 0.1],
        };
    }

    [Fact]
    public void A_full_fine_tuning_checkpoint_keeps_every_weight_and_has_no_adapter()
    {
        var store = new TrainingCheckpointStore(_run.Path);
        var weights = new Dictionary<string, float[]>
        {
            ["model.embed_tokens.weight"] = [1f, -2f, 3.5f, float.Epsilon],
            ["model.layers.0.self_attn.q_proj.bias"] = [0.25f, -0.125f],
        };
        var folder = store.Save(Sample(7) with { Adapter = null, Weights = weights });
        Assert.False(File.Exists(Path.Combine(folder, TrainingCheckpointStore.AdapterFileName)));
        var loaded = store.LoadLatest()!;
        Assert.Null(loaded.Adapter);
        Assert.Equal(weights.Keys.Order(), loaded.Weights.Keys.Order());
        foreach (var (name, values) in weights)
            Assert.Equal(values, loaded.Weights[name]);
    }

    [Fact]
    public void Round_trip_restores_every_field_exactly_and_keeps_the_last_k()
    {
        var store = new TrainingCheckpointStore(_run.Path, keepLast: 2);
        Assert.Null(store.LoadLatest());
        var original = Sample(30);
        foreach (var step in new long[] { 10, 20 })
            store.Save(Sample(step));
        var folder = store.Save(original);
        Assert.Equal(store.PathFor(30), folder);
        Assert.Equal([store.PathFor(20), store.PathFor(30)], store.List());

        var loaded = store.LoadLatest()!;
        Assert.Equal((30L, 2, 3), (loaded.Step, loaded.Epoch, loaded.PositionInEpoch));
        Assert.Equal(original.DataOrder, loaded.DataOrder);
        Assert.Equal((99UL, 0xDEADBEEFCAFEF00DUL), (loaded.DataOrderSeed, loaded.RngState));
        Assert.Equal(30, loaded.Optimizer.StepCount);
        foreach (var (name, moments) in original.Optimizer.Moments)
        {
            Assert.Equal(moments.M, loaded.Optimizer.Moments[name].M);
            Assert.Equal(moments.V, loaded.Optimizer.Moments[name].V);
        }
        foreach (var pair in original.Adapter!.Pairs)
        {
            Assert.Equal(pair.A, loaded.Adapter![pair.BaseName].A);
            Assert.Equal(pair.B, loaded.Adapter[pair.BaseName].B);
        }
        Assert.Equal(16f, loaded.Adapter!.Alpha);
        Assert.Equal(original.SampleSftLosses, loaded.SampleSftLosses); // NaN included, bit for bit
        Assert.Contains("\"gamma\":0.4", loaded.RunOptionsJson);
        // The adapter inside a checkpoint is a plain adapter file.
        Assert.Equal(2, LoraAdapterFile.Read(Path.Combine(folder, TrainingCheckpointStore.AdapterFileName)).Count);
    }

    [Fact]
    public void Corruption_and_unfinished_saves_are_reported_naming_the_file()
    {
        var store = new TrainingCheckpointStore(_run.Path);
        store.Save(Sample(5));
        var latest = store.Save(Sample(6));

        // A crash mid-save leaves only a .partial folder: it is not a checkpoint and is cleaned up by the next save.
        Directory.CreateDirectory(store.PathFor(7) + ".partial-12345");
        Assert.Equal(store.PathFor(6), store.FindLatest());

        var state = Path.Combine(latest, TrainingCheckpointStore.StateFileName);
        var bytes = File.ReadAllBytes(state);
        bytes[^3] ^= 0x40;
        File.WriteAllBytes(state, bytes);
        var error = Assert.Throws<CheckpointFormatException>(() => store.LoadLatest());
        Assert.Equal(state, error.FilePath);
        Assert.Contains("corrupted", error.Message);
        Assert.Contains("step-00000005", error.Message); // points at the older one to resume from

        File.Delete(Path.Combine(latest, TrainingCheckpointStore.AdapterFileName));
        Assert.Contains(TrainingCheckpointStore.AdapterFileName, Assert.Throws<CheckpointFormatException>(() => TrainingCheckpointStore.Load(latest)).FilePath);

        File.WriteAllText(Path.Combine(latest, TrainingCheckpointStore.ManifestFileName), "{ truncated");
        Assert.Contains("not valid JSON", Assert.Throws<CheckpointFormatException>(() => TrainingCheckpointStore.Load(latest)).Message);

        // Saving the same step again replaces the damaged folder; the partial leftover is gone.
        store.Save(Sample(6));
        Assert.Equal(6, store.LoadLatest()!.Step);
        Assert.False(Directory.Exists(store.PathFor(7) + ".partial-12345"));
    }

    public void Dispose() => _run.Dispose();
}
