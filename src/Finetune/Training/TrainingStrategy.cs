namespace DynamicCot.Finetune.Training;

/// <summary>How each sample is supervised (paper.md, "Strategies").</summary>
public enum TrainingStrategy
{
    /// <summary>No training: the base model, prompted.</summary>
    ZeroShot,
    /// <summary>Target = the gold keyphrases.</summary>
    Sft,
    /// <summary>Fine-tune-CoT: target = teacher rationale + keyphrases (plain answer when a sample has no rationale).</summary>
    Cot,
    /// <summary>Both targets for every sample (the paper's ablation baseline).</summary>
    MultiTask,
    /// <summary>Dynamic CoT: the CoT target when the sample's SFT loss is below γ, else the plain answer.</summary>
    Dynamic,
}

/// <summary>When Dynamic CoT recomputes each sample's SFT loss.</summary>
public enum LossRefresh
{
    /// <summary>At the start of every epoch (default; one forward pass over the data per epoch).</summary>
    Epoch,
    /// <summary>Just before each step, for the samples in it (most current, one extra forward per step).</summary>
    Step,
}

public static class TrainingStrategies
{
    public static TrainingStrategy Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "zero-shot" or "zeroshot" => TrainingStrategy.ZeroShot,
        "sft" => TrainingStrategy.Sft,
        "cot" or "fine-tune-cot" => TrainingStrategy.Cot,
        "multitask" or "multi-task" => TrainingStrategy.MultiTask,
        "dynamic" or "dynamic-cot" => TrainingStrategy.Dynamic,
        _ => throw new ArgumentException($"Unknown strategy '{text}': expected zero-shot, sft, cot, multitask or dynamic."),
    };

    public static string Name(this TrainingStrategy strategy) => strategy switch
    {
        TrainingStrategy.ZeroShot => "zero-shot",
        TrainingStrategy.Sft => "sft",
        TrainingStrategy.Cot => "cot",
        TrainingStrategy.MultiTask => "multitask",
        _ => "dynamic",
    };
}
