using DynamicCot.Gguf;
using DynamicCot.Keyphrases.Prompting;

namespace DynamicCot.Inference.Generation;

/// <summary>Reads the <see cref="ServingProfile"/> that `convert` wrote into a language model's GGUF metadata.</summary>
public static class RecordedServingProfile
{
    /// <summary>The recorded profile; null when the model has none (converted from a checkpoint not trained here) or the file is not GGUF (the loader reports that).</summary>
    public static ServingProfile? Read(string modelPath)
    {
        GgufFile file;
        try
        {
            file = GgufFile.Open(modelPath);
        }
        catch (Exception e) when (e is GgufFormatException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
        using (file)
            return ServingProfile.FromMetadata(modelPath, key => file.Metadata.TryGetValue(key, out var value) ? value.AsInt32() : null);
    }
}
