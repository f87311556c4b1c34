using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>How <see cref="RandomCheckpoint.Write"/> stores the weights.</summary>
public sealed record RandomCheckpointOptions
{
    public ulong Seed { get; init; } = 42;

    public SafetensorsDType StoreAs { get; init; } = SafetensorsDType.F32;

    /// <summary>
    /// Above this many bytes of weights the checkpoint is sharded (<c>model-0000i-of-0000n.safetensors</c> + index) as
    /// Hugging Face's <c>save_pretrained</c> shards; null writes one <c>model.safetensors</c> whatever the size.
    /// </summary>
    public long? MaxShardBytes { get; init; }

    /// <summary>Uniform instead of Gaussian values (same mean and standard deviation; ~10× faster to generate).</summary>
    public bool Uniform { get; init; }
}

/// <summary>Progress of writing a random checkpoint: the tensor being generated, and bytes of weights so far.</summary>
public readonly record struct RandomCheckpointProgress(int TensorsDone, int TensorsTotal, string CurrentTensor, long BytesDone, long BytesTotal);

/// <summary>
/// Writes a Hugging Face checkpoint of any shape with seeded random weights: config.json, the tokenizer files,
/// preprocessor_config.json and safetensors. Weights are generated chunk by chunk while they are written, so memory
/// stays at a few MB whatever the model's size (a 7B checkpoint is ≈ 15 GB of BF16 on disk, not in memory).
/// </summary>
public static class RandomCheckpoint
{
    public static TinyModelResult Write(string directory, QwenVlConfig config, HfTokenizer tokenizer, RandomCheckpointOptions options,
        IProgress<RandomCheckpointProgress>? progress = null)
    {
        var tokenCount = tokenizer.GetTokenTable().Count;
        if (tokenCount > config.Text.VocabSize)
            throw new ArgumentException($"The tokenizer has {tokenCount} tokens but the model's vocabulary has {config.Text.VocabSize} rows.");

        Directory.CreateDirectory(directory);
        tokenizer.Save(directory);
        config.Save(Path.Combine(directory, QwenVlConfig.FileName));
        (config.Architecture == QwenVlArchitecture.Qwen3Vl ? Qwen3VlTinyConfig.Preprocessor() : new PreprocessorConfig())
            .Save(Path.Combine(directory, PreprocessorConfig.FileName));

        var writer = new SafetensorsWriter(new Dictionary<string, string> { ["format"] = "pt" });
        var specs = TinyWeights.Specs(config);
        long parameters = specs.Sum(spec => spec.Shape.Aggregate(1L, (a, b) => a * b));
        long bytesTotal = parameters * options.StoreAs.ElementSize(), bytesDone = 0;
        var done = 0;
        foreach (var spec in specs)
        {
            var fill = TinyWeights.Filler(spec, options.Seed, options.Uniform);
            var elementSize = options.StoreAs.ElementSize();
            writer.Add(spec.Name, spec.Shape, options.StoreAs, progress is null ? fill : (first, destination) =>
            {
                if (first == 0)
                    progress.Report(new RandomCheckpointProgress(done++, specs.Count, spec.Name, bytesDone, bytesTotal));
                fill(first, destination);
                bytesDone += (long)destination.Length * elementSize;
            });
        }
        if (options.MaxShardBytes is { } maxShard && writer.DataBytes > maxShard)
            writer.WriteSharded(directory, maxShard);
        else
            writer.Write(Path.Combine(directory, SafetensorsCheckpoint.SingleFileName));
        progress?.Report(new RandomCheckpointProgress(specs.Count, specs.Count, "", bytesTotal, bytesTotal));
        return new TinyModelResult(directory, parameters, config.Text.VocabSize);
    }
}
