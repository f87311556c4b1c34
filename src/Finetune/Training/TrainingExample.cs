using DynamicCot.Finetune.ModelInputs;

namespace DynamicCot.Finetune.Training;

/// <summary>A post ready for training: its prompt as segments, and its targets as tokens.</summary>
/// <param name="Id">The post id.</param>
/// <param name="Prompt">Prompt segments (text, image, text) up to the assistant turn.</param>
/// <param name="SftTarget">Tokens of <c>&lt;answer&gt;…&lt;/answer&gt;&lt;|im_end|&gt;</c>.</param>
/// <param name="CotTarget">Tokens of <c>&lt;think&gt;…&lt;/think&gt;&lt;answer&gt;…&lt;/answer&gt;&lt;|im_end|&gt;</c>, or null without a rationale.</param>
/// <param name="ImagePath">The post's image file (null without one).</param>
public sealed record TrainingExample(string Id, IReadOnlyList<SequenceSegment> Prompt, int[] SftTarget, int[]? CotTarget, string? ImagePath = null)
{
    public TrainingSequence With(int[] target) =>
        new([.. Prompt, new TextSegment(target)], target.Length);
}
