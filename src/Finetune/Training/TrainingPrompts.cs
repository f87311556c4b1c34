using DynamicCot.Keyphrases.Prompting;
using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.Finetune.Training;

/// <summary>
/// The prompt builder a run trains with: the served prompt format, in the checkpoint's own thinking format (a Thinking
/// checkpoint, told from its chat template, gets rationale targets in its own <c>&lt;think&gt;</c> block).
/// </summary>
public static class TrainingPrompts
{
    public static KeyphrasePromptBuilder For(string checkpointDirectory, string mediaMarker) =>
        new(new KeyphrasePromptOptions
        {
            MediaMarker = mediaMarker,
            ThinkingFormat = ChatTemplateThinking.FormatOf(HfTokenizer.ReadChatTemplate(checkpointDirectory)),
        });
}
