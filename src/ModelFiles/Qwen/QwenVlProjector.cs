using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>What llama.cpp calls each family.</summary>
public static class QwenVlProjector
{
    /// <summary>The mmproj projector type string clip.cpp recognises.</summary>
    public static string ProjectorType(this QwenVlArchitecture arch) => arch switch
    {
        QwenVlArchitecture.Qwen2Vl => "qwen2vl_merger",
        QwenVlArchitecture.Qwen3Vl => "qwen3vl_merger",
        _ => "qwen2.5vl_merger",
    };

    /// <summary>The language model's <c>general.architecture</c> in llama.cpp.</summary>
    public static string LanguageModelArchitecture(this QwenVlArchitecture arch) => arch == QwenVlArchitecture.Qwen3Vl ? "qwen3vl" : "qwen2vl";

    /// <summary>How a family is named to people.</summary>
    public static string DisplayName(this QwenVlArchitecture arch) => arch switch
    {
        QwenVlArchitecture.Qwen2Vl => "Qwen2-VL",
        QwenVlArchitecture.Qwen3Vl => "Qwen3-VL",
        _ => "Qwen2.5-VL",
    };

    /// <summary>Parses the command-line spelling (<c>qwen2vl</c>, <c>qwen2.5vl</c>, <c>qwen3vl</c>) or the HF <c>model_type</c>.</summary>
    public static QwenVlArchitecture Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "qwen2vl" or "qwen2-vl" or "qwen2_vl" => QwenVlArchitecture.Qwen2Vl,
        "qwen2.5vl" or "qwen2.5-vl" or "qwen25vl" or "qwen2_5_vl" => QwenVlArchitecture.Qwen25Vl,
        "qwen3vl" or "qwen3-vl" or "qwen3_vl" => QwenVlArchitecture.Qwen3Vl,
        _ => throw new ArgumentException($"Unknown architecture '{text}': expected qwen2vl, qwen2.5vl or qwen3vl."),
    };
}
