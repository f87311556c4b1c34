using DynamicCot.Finetune.ModelInputs;
using DynamicCot.Inference.Llama;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Training;

/// <summary>Two short supervised chat samples (prompt, then the answer the loss is taken on) in a tiny model's vocabulary.</summary>
internal static class HashtagSamples
{
    public static TrainingSequence[] For(TinyModelFiles files)
    {
        using var model = LlamaModel.Load(files.LanguageModel);
        return
        [
            Sample(model, "<|im_start|>user\nSuggest hashtags for: Storm hits the coast<|im_end|>\n<|im_start|>assistant\n", "<answer>storm, coast</answer><|im_end|>"),
            Sample(model, "<|im_start|>user\nSuggest hashtags for: Marathon in the rain<|im_end|>\n<|im_start|>assistant\n", "<answer>marathon</answer><|im_end|>"),
        ];
    }

    private static TrainingSequence Sample(LlamaModel model, string prompt, string target)
    {
        var p = model.Vocab.Tokenize(prompt).Select(t => t.Value).ToArray();
        var a = model.Vocab.Tokenize(target).Select(t => t.Value).ToArray();
        return new TrainingSequence([new TextSegment([.. p, .. a])], a.Length);
    }
}
