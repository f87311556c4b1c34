using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;

namespace DynamicCot.Finetune.Torch;

/// <summary>
/// Matches the tensors a model expects (canonical name and shape from config.json) against a Hugging Face checkpoint
/// before any weight is read, so a missing, misshapen or non-float tensor is refused with its file and name.
/// </summary>
internal static class CheckpointTensorCheck
{
    /// <summary>Returns canonical → stored name for every expected tensor; <paramref name="kind"/> names them in errors ("vision tensor").</summary>
    public static Dictionary<string, string> Map(string checkpointDirectory, SafetensorsCheckpoint checkpoint,
        IEnumerable<(string Name, long[] Shape)> expected, string kind)
    {
        var byCanonical = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        foreach (var info in checkpoint.Tensors)
            byCanonical[QwenVlTensorMapping.Canonicalize(info.Name)] = info;
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, shape) in expected)
        {
            if (!byCanonical.TryGetValue(name, out var info))
                throw new InvalidDataException($"{checkpointDirectory}: the checkpoint has no {kind} '{name}'.");
            if (!info.Shape.SequenceEqual(shape))
                throw new InvalidDataException($"{info.FilePath}: tensor '{info.Name}' has shape [{string.Join(", ", info.Shape)}]; [{string.Join(", ", shape)}] expected from config.json.");
            if (!info.DType.IsSupportedFloat())
                throw new InvalidDataException($"{info.FilePath}: tensor '{info.Name}' is {info.DType.HeaderName()}; the trainer reads F32, F16 and BF16.");
            sources[name] = info.Name;
        }
        return sources;
    }
}
