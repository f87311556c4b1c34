using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using static TorchSharp.torch;

namespace DynamicCot.Finetune.Torch;

/// <summary>
/// Matches the tensors a model expects (canonical name and shape from config.json) against a Hugging Face checkpoint
/// before any weight is read, so a missing, misshapen or non-float tensor is refused with its file and name; then
/// reads them onto the device.
/// </summary>
internal static class CheckpointTensors
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

    /// <summary>
    /// Reads every expected tensor (canonical name → stored name from <see cref="Map"/>) as <paramref name="dtype"/> on
    /// <paramref name="device"/> — matrices (two or more dimensions) as <paramref name="matrixDType"/> when given — so a
    /// frozen base can stay in BF16 while norms and biases keep the compute type. Each tensor is decoded in bounded
    /// chunks straight into its destination and its mapped pages are released after, so loading holds no second copy
    /// of the model; nothing leaks if one fails.
    /// </summary>
    public static Dictionary<string, Tensor> Load(SafetensorsCheckpoint checkpoint, IReadOnlyDictionary<string, string> sources,
        IEnumerable<(string Name, long[] Shape)> expected, ScalarType dtype, Device device, ScalarType? matrixDType = null)
    {
        var parameters = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var buffer = new float[ChunkElements];
        try
        {
            foreach (var (name, shape) in expected)
            {
                var target = empty(shape, shape.Length >= 2 && matrixDType is { } m ? m : dtype, device);
                parameters[name] = target;
                Fill(checkpoint, sources[name], target, buffer);
            }
            return parameters;
        }
        catch
        {
            foreach (var t in parameters.Values) t.Dispose();
            throw;
        }
    }

    private const int ChunkElements = 1 << 22;

    private static void Fill(SafetensorsCheckpoint checkpoint, string stored, Tensor target, float[] buffer)
    {
        using var _ = no_grad();
        using var flat = target.view(-1);
        var count = flat.numel();
        for (long first = 0; first < count; first += buffer.Length)
        {
            var length = (int)Math.Min(buffer.Length, count - first);
            checkpoint.ReadFloat32(stored, first, buffer.AsSpan(0, length));
            using var chunk = tensor(buffer, new long[] { buffer.Length });
            using var part = flat.narrow(0, first, length);
            using var values = chunk.narrow(0, 0, length);
            part.copy_(values);
        }
        checkpoint.Release(stored);
    }
}
