using DynamicCot.Gguf;
using DynamicCot.ModelFiles.Lora;
using DynamicCot.ModelFiles.Qwen;

namespace DynamicCot.ModelFiles.Tests.Lora;

/// <summary>Seeded random adapters shaped after a real base GGUF, for format and merge tests.</summary>
internal static class RandomLora
{
    public static LoraAdapter For(string baseGguf, IEnumerable<string> projections, int rank, float alpha, ulong seed, float std)
    {
        using var file = GgufFile.Open(baseGguf);
        var adapter = new LoraAdapter(file.GetString("general.architecture"), alpha,
            new LoraAdapterInfo { Name = "random-test-lora", BaseModelName = Path.GetFileName(baseGguf), TrainingRun = "{\"seed\":" + seed + "}" });
        var layers = (int)file.GetUInt32(file.GetString("general.architecture") + ".block_count");
        for (var layer = 0; layer < layers; layer++)
        {
            foreach (var projection in projections)
            {
                var name = $"blk.{layer}.{projection}.weight";
                var dims = file.GetTensor(name).Dimensions;
                adapter.Add(Pair(name, rank, (int)dims[0], (int)dims[1], seed, std));
            }
        }
        return adapter;
    }

    public static LoraTensorPair Pair(string name, int rank, int inFeatures, int outFeatures, ulong seed, float std)
    {
        var a = new float[rank * inFeatures];
        var b = new float[outFeatures * rank];
        DeterministicRandom.ForTensor(seed, name + ".lora_a").FillGaussian(a, 0, std);
        DeterministicRandom.ForTensor(seed, name + ".lora_b").FillGaussian(b, 0, std);
        return new LoraTensorPair(name, rank, inFeatures, outFeatures, a, b);
    }
}
