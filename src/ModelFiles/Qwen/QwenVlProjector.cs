using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>What llama.cpp calls each family.</summary>
public static class QwenVlProjector
{
    /// <summary>The mmproj projector type string clip.cpp recognises.</summary>
    public static string ProjectorType(this QwenVlArchitecture arch) => arch == QwenVlArchitecture.Qwen2Vl ? "qwen2vl_merger" : "qwen2.5vl_merger";

    /// <summary>Parses the command-line spelling (<c>qwen2vl</c>, <c>qwen2.5vl</c>) or the HF <c>model_type</c>.</summary>
    public static QwenVlArchitecture Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "qwen2vl" or "qwen2-vl" or "qwen2_vl" => QwenVlArchitecture.Qwen2Vl,
        "qwen2.5vl" or "qwen2.5-vl" or "qwen25vl" or "qwen2_5_vl" => QwenVlArchitecture.Qwen25Vl,
        _ => throw new ArgumentException($"Unknown architecture '{text}': expected qwen2vl or qwen2.5vl."),
    };
}
