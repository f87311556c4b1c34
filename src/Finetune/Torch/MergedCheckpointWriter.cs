using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using static TorchSharp.torch;

namespace DynamicCot.Finetune.Torch;

/// <summary>
/// Writes the trained model as a Hugging Face checkpoint next to the run: every tensor of the base checkpoint under
/// its original name and dtype, with the language-model weights replaced by the trained ones (full fine-tuning) or by
/// <c>W + (α/r)·B·A</c> (LoRA), and the base's config, tokenizer and preprocessor files copied. <c>convert</c> →
/// <c>quantize</c> then serve it like any downloaded checkpoint. When the vision tower was trained too, its weights
/// (or their LoRA merges) replace the base's <c>visual.*</c> tensors, so <c>convert</c> writes the matching mmproj.
/// The output streams: each tensor is produced (merged, or read from the base's mapped shard) only while its bytes are
/// written, so memory holds one weight matrix in F32 at a time whatever the model's size, and the shards and their
/// index are laid out as <c>save_pretrained</c> lays them out.
/// </summary>
public static class MergedCheckpointWriter
{
    public const string FolderName = "merged";

    /// <summary>The largest shard: transformers' <c>save_pretrained</c> default <c>max_shard_size="5GB"</c>.</summary>
    public const long DefaultShardBytes = 5_000_000_000;

    public static string Write(QwenTextModel model, string baseCheckpoint, string outputDirectory, QwenVisionModel? vision = null,
        long maxShardBytes = DefaultShardBytes)
    {
        var partial = outputDirectory + ".partial";
        if (Directory.Exists(partial))
            Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        using (var source = SafetensorsCheckpoint.Open(baseCheckpoint))
        using (var produced = new ProducedTensor())
        {
            var writer = new SafetensorsWriter(new Dictionary<string, string> { ["format"] = "pt" });
            foreach (var info in source.Tensors)
            {
                var canonical = QwenVlTensorMapping.Canonicalize(info.Name);
                // A tied checkpoint that still stores lm_head gets the (trained) embedding there, as the model uses it.
                if (canonical == QwenTextModel.OutputName && model.Tied)
                    canonical = QwenTextModel.EmbeddingName;
                var produce = Trained(model.Parameters, model.Lora, canonical, source, info)
                    ?? (vision is null ? null : Trained(vision.Parameters, vision.Lora, canonical, source, info));
                if (produce is not null)
                    writer.Add(info.Name, info.Shape, info.DType, produced.Filler(info.Name, info.ElementCount, produce));
                else if (info.DType.IsSupportedFloat())
                    writer.Add(info.Name, info.Shape, info.DType, BaseFiller(source, info));
                else
                    writer.AddRaw(info.Name, info.DType, info.Shape, source.GetBytes(info.Name).ToArray());
            }
            // As save_pretrained: one model.safetensors when it fits a shard, else numbered shards and their index.
            if (writer.DataBytes <= maxShardBytes)
                writer.Write(Path.Combine(partial, SafetensorsCheckpoint.SingleFileName));
            else
                writer.WriteSharded(partial, maxShardBytes);
        }
        foreach (var file in Directory.GetFiles(baseCheckpoint))
        {
            var name = Path.GetFileName(file);
            if (name.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) || name == SafetensorsCheckpoint.IndexFileName)
                continue;
            File.Copy(file, Path.Combine(partial, name));
        }
        if (Directory.Exists(outputDirectory))
            Directory.Delete(outputDirectory, recursive: true);
        Directory.Move(partial, outputDirectory);
        return outputDirectory;
    }

    /// <summary>An untouched base tensor, decoded from its mapped shard chunk by chunk (F32/F16/BF16 → F32 → the same dtype is exact); its pages are released once written.</summary>
    private static TensorFiller BaseFiller(SafetensorsCheckpoint source, SafetensorsTensorInfo info) => (first, destination) =>
    {
        source.ReadFloat32(info.Name, first, destination);
        if (first + destination.Length == info.ElementCount)
            source.Release(info.Name);
    };

    /// <summary>
    /// How to make the written values of a tensor the run changed: a LoRA target merges its adapter into the base's
    /// stored weight (so the merge is exact whatever type the run held the frozen copy in); a trained weight (full
    /// fine-tuning, requires grad) is copied from the model. Null: the run left it as the base has it.
    /// </summary>
    private static Func<float[]>? Trained(IReadOnlyDictionary<string, Tensor> parameters, LoraLayers? lora, string canonical,
        SafetensorsCheckpoint source, SafetensorsTensorInfo info)
    {
        if (!parameters.TryGetValue(canonical, out var weight))
            return null;
        if (lora is not null && lora.TryGet(canonical, out _))
            return () =>
            {
                using var stored = tensor(source.ReadFloat32(info.Name), info.Shape.ToArray());
                source.Release(info.Name);
                using var merged = lora.Merged(canonical, stored);
                return TorchTensors.ToFloats(merged);
            };
        return weight.requires_grad ? () => TorchTensors.ToFloats(weight) : null;
    }

    /// <summary>
    /// The one trained tensor being written: made (merged, copied to the CPU as F32) when its first chunk is asked
    /// for, freed after its last, so at most one weight matrix is materialised at a time.
    /// </summary>
    private sealed class ProducedTensor : IDisposable
    {
        private string? _name;
        private float[]? _values;

        public TensorFiller Filler(string name, long elements, Func<float[]> make) => (first, destination) =>
        {
            if (_name != name)
            {
                _values = make();
                _name = name;
                if (_values.LongLength != elements)
                    throw new InvalidOperationException($"tensor \"{name}\": {_values.LongLength} trained values for {elements} stored elements.");
            }
            _values.AsSpan((int)first, destination.Length).CopyTo(destination);
            if (first + destination.Length == elements)
                Clear();
        };

        public void Dispose() => Clear();

        private void Clear()
        {
            _values = null;
            _name = null;
        }
    }
}
