using System.Runtime.InteropServices;
using DynamicCot.Gguf;
using DynamicCot.Llama.Native;
using DynamicCot.ModelFiles.Lora;
using DynamicCot.Tests.Shared;

namespace DynamicCot.ModelFiles.Tests.Lora;

/// <summary>Adapter file round trips, the exact merge arithmetic on a hand-made base, and the typed validation errors.</summary>
public sealed class LoraAdapterFileTests : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-lora-file");

    [Fact]
    public void F32_round_trip_is_exact_and_keeps_metadata_and_ggml_shapes()
    {
        var adapter = new LoraAdapter("qwen2vl", 16, new LoraAdapterInfo { Name = "n", BaseModelName = "base", BaseModelSha256 = "abc", TrainingRun = "{\"epochs\":3}" })
            .Add(RandomLora.Pair("blk.0.attn_q.weight", 4, 8, 6, 1, 0.5f))
            .Add(RandomLora.Pair("blk.1.ffn_up.weight", 2, 8, 12, 2, 0.5f));
        var path = _folder.File("a.gguf");
        LoraAdapterFile.Write(path, adapter);

        using (var file = GgufFile.Open(path))
        {
            Assert.Equal("adapter", file.GetString("general.type"));
            Assert.Equal("qwen2vl", file.GetString("general.architecture"));
            Assert.Equal("lora", file.GetString("adapter.type"));
            Assert.Equal(16f, file.GetFloat32("adapter.lora.alpha"));
            Assert.Equal([8UL, 4UL], file.GetTensor("blk.0.attn_q.weight.lora_a").Dimensions);
            Assert.Equal([4UL, 6UL], file.GetTensor("blk.0.attn_q.weight.lora_b").Dimensions);
            Assert.Equal(GgmlType.F32, file.GetTensor("blk.1.ffn_up.weight.lora_b").Type);
        }

        var back = LoraAdapterFile.Read(path);
        Assert.Equal("qwen2vl", back.Architecture);
        Assert.Equal(16f, back.Alpha);
        Assert.Equal(adapter.Info, back.Info);
        Assert.Equal(["blk.0.attn_q.weight", "blk.1.ffn_up.weight"], back.TargetNames);
        foreach (var pair in adapter.Pairs)
        {
            var read = back[pair.BaseName];
            Assert.Equal((pair.Rank, pair.InFeatures, pair.OutFeatures), (read.Rank, read.InFeatures, read.OutFeatures));
            Assert.Equal(pair.A, read.A);
            Assert.Equal(pair.B, read.B);
        }
        Assert.Equal(16f / 2 * 0.5f, back.EffectiveScale(back["blk.1.ffn_up.weight"], 0.5f));
    }

    [Fact]
    public void F16_write_rounds_to_half_precision()
    {
        var pair = RandomLora.Pair("blk.0.attn_v.weight", 2, 16, 4, 3, 1f);
        var path = _folder.File("h.gguf");
        LoraAdapterFile.Write(path, new LoraAdapter("qwen2vl", 4).Add(pair), GgmlType.F16);
        using (var file = GgufFile.Open(path))
            Assert.Equal(GgmlType.F16, file.GetTensor("blk.0.attn_v.weight.lora_a").Type);
        var read = LoraAdapterFile.Read(path)["blk.0.attn_v.weight"];
        for (var i = 0; i < pair.A.Length; i++)
            Assert.Equal((float)(Half)pair.A[i], read.A[i]);
    }

    [Theory]
    [InlineData(GgmlType.F32)]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.BF16)]
    public void Merge_adds_scale_alpha_over_r_B_A_to_the_target_and_copies_everything_else(GgmlType baseType)
    {
        const int nIn = 40, nOut = 24, rank = 3;
        var weight = new float[nIn * nOut];
        for (var i = 0; i < weight.Length; i++)
            weight[i] = (i % 17 - 8) / 16f;
        var other = Enumerable.Range(0, 40).Select(i => i * 0.25f).ToArray();
        var basePath = _folder.File($"base-{baseType}.gguf");
        new GgufWriter()
            .AddString("general.architecture", "qwen2vl")
            .AddUInt32("qwen2vl.block_count", 1)
            .AddTensor("blk.0.attn_q.weight", baseType, [nIn, nOut], Encode(weight, baseType))
            .AddTensor("blk.0.attn_norm.weight", GgmlType.F32, [40], MemoryMarshal.AsBytes(other.AsSpan()).ToArray())
            .WriteTo(basePath);
        var pair = RandomLora.Pair("blk.0.attn_q.weight", rank, nIn, nOut, 9, 0.3f);
        var adapterPath = _folder.File("adapter.gguf");
        LoraAdapterFile.Write(adapterPath, new LoraAdapter("qwen2vl", 6).Add(pair));

        var mergedPath = _folder.File($"merged-{baseType}.gguf");
        var reports = new List<LoraMergeProgress>();
        var result = LoraMerger.Merge(basePath, adapterPath, mergedPath, scale: 0.5f, threads: 2, progress: new SyncProgress<LoraMergeProgress>(reports.Add));
        Assert.Equal((1, 1), (result.MergedTensors, result.CopiedTensors));
        Assert.Equal(2, reports[^1].TensorsDone);

        using var merged = GgufFile.Open(mergedPath);
        Assert.Equal(1u, merged.GetUInt32("qwen2vl.block_count"));
        Assert.Equal("adapter.gguf", merged.GetString(LoraMerger.MergedAdapterKey));
        Assert.Equal(baseType, merged.GetTensor("blk.0.attn_q.weight").Type);
        Assert.Equal(other, merged.ReadFloat32("blk.0.attn_norm.weight"));
        var actual = merged.ReadFloat32("blk.0.attn_q.weight");
        using var baseFile = GgufFile.Open(basePath);
        var stored = baseFile.ReadFloat32("blk.0.attn_q.weight");
        var factor = 0.5 * 6 / rank;
        var tolerance = baseType switch { GgmlType.F32 => 1e-6, GgmlType.F16 => 2e-3, _ => 1.6e-2 };
        for (var o = 0; o < nOut; o++)
        {
            for (var i = 0; i < nIn; i++)
            {
                double delta = 0;
                for (var k = 0; k < rank; k++)
                    delta += pair.B[o * rank + k] * (double)pair.A[k * nIn + i];
                var expected = stored[o * nIn + i] + factor * delta;
                Assert.True(Math.Abs(expected - actual[o * nIn + i]) <= tolerance * Math.Max(1, Math.Abs(expected)),
                    $"[{o},{i}] expected {expected}, got {actual[o * nIn + i]}");
            }
        }
    }

    [Fact]
    public void Mismatches_raise_typed_errors_naming_the_file_and_tensor()
    {
        var basePath = _folder.File("base.gguf");
        new GgufWriter()
            .AddString("general.architecture", "qwen2vl")
            .AddTensor("blk.0.attn_q.weight", GgmlType.F32, [8, 6], new byte[8 * 6 * 4])
            .WriteTo(basePath);
        string Adapter(string name, LoraAdapter adapter)
        {
            var path = _folder.File(name);
            LoraAdapterFile.Write(path, adapter);
            return path;
        }

        var wrongArch = Adapter("arch.gguf", new LoraAdapter("qwen2", 1).Add(RandomLora.Pair("blk.0.attn_q.weight", 2, 8, 6, 1, 1)));
        var arch = Assert.Throws<LoraArchitectureMismatchException>(() => LoraMerger.Merge(basePath, wrongArch, _folder.File("o1.gguf")));
        Assert.Contains("arch.gguf", arch.Message);
        Assert.Contains("qwen2vl", arch.Message);

        var missing = Adapter("missing.gguf", new LoraAdapter("qwen2vl", 1).Add(RandomLora.Pair("blk.7.attn_q.weight", 2, 8, 6, 1, 1)));
        var target = Assert.Throws<LoraTargetMissingException>(() => LoraMerger.Merge(basePath, missing, _folder.File("o2.gguf")));
        Assert.Equal("blk.7.attn_q.weight", target.TensorName);
        Assert.Contains("missing.gguf", target.Message);

        var wrongIn = Adapter("in.gguf", new LoraAdapter("qwen2vl", 1).Add(RandomLora.Pair("blk.0.attn_q.weight", 2, 9, 6, 1, 1)));
        var shapeIn = Assert.Throws<LoraShapeMismatchException>(() => LoraMerger.Merge(basePath, wrongIn, _folder.File("o3.gguf")));
        Assert.Contains("n_in 9", shapeIn.Message);
        Assert.Equal("blk.0.attn_q.weight", shapeIn.TensorName);

        var wrongOut = Adapter("out.gguf", new LoraAdapter("qwen2vl", 1).Add(RandomLora.Pair("blk.0.attn_q.weight", 2, 8, 5, 1, 1)));
        Assert.Contains("n_out 5", Assert.Throws<LoraShapeMismatchException>(() => LoraMerger.Merge(basePath, wrongOut, _folder.File("o4.gguf"))).Message);

        // A with rank 2 but B with rank 3 can only come from a foreign writer: make it by hand.
        var rankPath = _folder.File("rank.gguf");
        new GgufWriter()
            .AddString("general.type", "adapter").AddString("general.architecture", "qwen2vl").AddString("adapter.type", "lora").AddFloat32("adapter.lora.alpha", 1)
            .AddTensor("blk.0.attn_q.weight.lora_a", GgmlType.F32, [8, 2], new byte[8 * 2 * 4])
            .AddTensor("blk.0.attn_q.weight.lora_b", GgmlType.F32, [3, 6], new byte[3 * 6 * 4])
            .WriteTo(rankPath);
        var rank = Assert.Throws<LoraRankMismatchException>(() => LoraAdapterFile.Read(rankPath));
        Assert.Equal("blk.0.attn_q.weight", rank.TensorName);
        Assert.Contains("rank.gguf", rank.Message);

        var half = _folder.File("half.gguf");
        new GgufWriter()
            .AddString("general.type", "adapter").AddString("general.architecture", "qwen2vl").AddString("adapter.type", "lora")
            .AddTensor("blk.0.attn_q.weight.lora_a", GgmlType.F32, [8, 2], new byte[8 * 2 * 4])
            .WriteTo(half);
        Assert.Contains(".lora_b is missing", Assert.Throws<LoraRankMismatchException>(() => LoraAdapterFile.Read(half)).Message);

        Assert.Contains("not a LoRA adapter", Assert.Throws<LoraAdapterException>(() => LoraAdapterFile.Read(basePath)).Message);
        Assert.False(File.Exists(_folder.File("o1.gguf")) || File.Exists(_folder.File("o3.gguf")));
    }

    private static byte[] Encode(float[] values, GgmlType type)
    {
        switch (type)
        {
            case GgmlType.F32:
                return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
            case GgmlType.F16:
                var halves = new Half[values.Length];
                Float16Conversion.SingleToHalf(values, halves);
                return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
            default:
                var bf = new ushort[values.Length];
                Float16Conversion.SingleToBFloat16(values, bf);
                return MemoryMarshal.AsBytes(bf.AsSpan()).ToArray();
        }
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    public void Dispose() => _folder.Dispose();
}
