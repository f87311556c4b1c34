using DynamicCot.Inference.Generation;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Inference.Tests.Generation;

/// <summary>Teacher-forced NLL (the SFT loss the trainer and evaluator use).</summary>
[Collection(TinyModelCollection.Name)]
public sealed class ScoringTests(TinyModels models)
{
    [Fact]
    public async Task Batched_scores_equal_one_at_a_time_and_the_models_own_answer_scores_best()
    {
        var files = models.Get(QwenVlArchitecture.Qwen25Vl);
        using var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions
        {
            ModelPath = files.LanguageModel, ProjectorPath = files.Projector, Threads = 2, ContextPerSequence = 1024, ImageMaxTokens = 64,
        });
        var photo = Directory.GetFiles(TestPaths.Data("flickr10", "images"), "*.jpg").Order(StringComparer.Ordinal).First();
        var image = await ImageInput.FromFileAsync(photo);
        const string text = "Sunset over the harbour with fishing boats";

        // The model's own greedy answer is, by construction, one it finds likely.
        var own = await engine.SuggestAsync(text, image, new SuggestionOptions { Thinking = ThinkingMode.Off, MaxTokens = 40 });
        var ownTarget = own.RawOutput + "<|im_end|>";
        string[] answers = [ownTarget, "<answer>zebra crossing, quantum tax, purple</answer><|im_end|>", "<answer>harbour, sunset</answer><|im_end|>"];

        var batched = await engine.ScoreAsync(text, image, answers);
        Assert.Equal(answers.Length, batched.Count);
        for (var i = 0; i < answers.Length; i++)
        {
            var single = (await engine.ScoreAsync(text, image, [answers[i]]))[0];
            Assert.Equal(single.TokenCount, batched[i].TokenCount);
            Assert.Equal(single.MeanNegativeLogLikelihood, batched[i].MeanNegativeLogLikelihood, 4);
            Assert.True(double.IsFinite(single.MeanNegativeLogLikelihood) && single.MeanNegativeLogLikelihood > 0);
        }
        Assert.True(batched[0].MeanNegativeLogLikelihood < batched[1].MeanNegativeLogLikelihood,
            $"own answer NLL {batched[0].MeanNegativeLogLikelihood:F3} should be below a random answer's {batched[1].MeanNegativeLogLikelihood:F3}");

        // Without the image the same answers score differently: the image is part of the conditioning.
        var textOnly = await engine.ScoreAsync(text, null, answers);
        Assert.NotEqual(batched[2].MeanNegativeLogLikelihood, textOnly[2].MeanNegativeLogLikelihood, 6);
    }
}
