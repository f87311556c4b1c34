using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;

namespace DynamicCot.Finetune.Torch;

/// <summary>
/// Writes the trained model as a Hugging Face checkpoint next to the run: every tensor of the base checkpoint under
/// its original name and dtype, with the language-model weights replaced by the trained ones (full fine-tuning) or by
/// <c>W + (α/r)·B·A</c> (LoRA), and the base's config, tokenizer and preprocessor files copied. <c>convert</c> →
/// <c>quantize</c> then serve it like any downloaded checkpoint. When the vision tower was trained too, its weights
/// (or their LoRA merges) replace the base's <c>visual.*</c> tensors, so <c>convert</c> writes the matching mmproj.
/// </summary>
public static class MergedCheckpointWriter
{
    public const string FolderName = "merged";

    public static string Write(QwenTextModel model, string baseCheckpoint, string outputDirectory, QwenVisionModel? vision = null)
    {
        var partial = outputDirectory + ".partial";
        if (Directory.Exists(partial))
            Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        using (var source = SafetensorsCheckpoint.Open(baseCheckpoint))
        {
            var writer = new SafetensorsWriter(new Dictionary<string, string> { ["format"] = "pt" });
            foreach (var info in source.Tensors)
            {
                var canonical = QwenVlTensorMapping.Canonicalize(info.Name);
                // A tied checkpoint that still stores lm_head gets the (trained) embedding there, as the model uses it.
                if (canonical == QwenTextModel.OutputName && model.Tied)
                    canonical = QwenTextModel.EmbeddingName;
                if (vision is not null && vision.Parameters.TryGetValue(canonical, out var visual))
                {
                    writer.Add(info.Name, info.Shape, vision.Lora is { } visionLora && visionLora.TryGet(canonical, out _)
                        ? visionLora.Merged(canonical, visual)
                        : TorchTensors.ToFloats(visual), info.DType);
                    continue;
                }
                if (!model.Parameters.TryGetValue(canonical, out var trained))
                {
                    writer.AddRaw(info.Name, info.DType, info.Shape, source.GetBytes(info.Name).ToArray());
                    continue;
                }
                var values = model.Lora is { } lora && lora.TryGet(canonical, out _)
                    ? lora.Merged(canonical, trained)
                    : TorchTensors.ToFloats(trained);
                writer.Add(info.Name, info.Shape, values, info.DType);
            }
            writer.Write(Path.Combine(partial, SafetensorsCheckpoint.SingleFileName));
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
}
