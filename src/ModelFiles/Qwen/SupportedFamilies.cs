using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>One model family the tools convert, train and serve, and what has been checked for it.</summary>
/// <param name="Architecture">The family.</param>
/// <param name="CommandLineName">Its spelling for <c>tiny --arch</c>.</param>
/// <param name="Checkpoints">The published checkpoints of the family it is meant for.</param>
/// <param name="Variants">Instruct, and Thinking where the family has Thinking checkpoints (served in their own <c>&lt;think&gt;</c> format).</param>
/// <param name="Verified">What tests check for it, on random-weight checkpoints of the real architecture.</param>
public sealed record SupportedFamily(
    QwenVlArchitecture Architecture,
    string CommandLineName,
    string Checkpoints,
    IReadOnlyList<string> Variants,
    string Verified)
{
    public string Name => Architecture.DisplayName();

    /// <summary>llama.cpp's language-model architecture and mmproj projector type.</summary>
    public string LlamaCpp => $"{Architecture.LanguageModelArchitecture()} + {Architecture.ProjectorType()}";
}

/// <summary>
/// The families named in `info`, in the converter's refusal of anything else and in the docs: one list, so a family
/// added here is named everywhere.
/// </summary>
public static class SupportedFamilies
{
    private const string Common =
        "convert → GGUF + mmproj loaded by llama.cpp (LLamaSharp 0.30.0), quantize, suggest with a photo, TorchSharp training " +
        "(LoRA, full, vision tower) → merged → convert → serve; TorchSharp logits = llama.cpp's to ≤ 1e-5 (text and photo), " +
        "vision tower = mtmd's to ≤ 1.3e-3, gradients = finite differences";

    public static IReadOnlyList<SupportedFamily> All { get; } =
    [
        new(QwenVlArchitecture.Qwen2Vl, "qwen2vl", "Qwen2-VL-2B/7B-Instruct", ["Instruct"],
            Common + "; the five strategies and a killed run resumed to the same adapter; the 2B's published shape with Qwen's real tokenizer (prompt = its chat template, token for token)"),
        new(QwenVlArchitecture.Qwen25Vl, "qwen2.5vl", "Qwen2.5-VL-3B/7B-Instruct", ["Instruct"],
            Common + ", with windowed vision attention; the 3B and 7B published shapes"),
        new(QwenVlArchitecture.Qwen3Vl, "qwen3vl", "Qwen3-VL-2B/4B/8B-Instruct and -Thinking (dense)", ["Instruct", "Thinking"],
            Common + ", with DeepStack, interleaved M-RoPE and q/k norm; 2B and 4B published shapes; Thinking: prompts and targets = " +
            "the Thinking chat template's rendering, token for token, with Qwen3's tokenizer; dynamic CoT lowers the loss ≥ 80 % on the shared posts, resume and multi-task"),
    ];

    /// <summary>"Qwen2-VL, Qwen2.5-VL or Qwen3-VL (Instruct or Thinking)": for messages.</summary>
    public static string Names =>
        string.Join(", ", All.Take(All.Count - 1).Select(Named)) + " or " + Named(All[^1]);

    private static string Named(SupportedFamily family) =>
        family.Variants.Count > 1 ? $"{family.Name} ({string.Join(" or ", family.Variants)})" : family.Name;

    /// <summary>The Hugging Face <c>architectures</c> classes the converter reads.</summary>
    public static string ArchitectureClasses => string.Join(", ", All.Select(f => f.Architecture.ArchitectureClass()));
}
