using DynamicCot.Inference.Generation;
using DynamicCot.Keyphrases.Suggestions;

namespace DynamicCot.Tests.Shared;

/// <summary>
/// Decodes the same posts with the grammar checking the model's pick (the default) and with the grammar constraining
/// every candidate before every pick, and requires the same output token for token and the same confidences.
/// </summary>
internal static class GuidedDecodingComparison
{
    public static readonly SuggestionOptions[] Modes =
    [
        new() { Thinking = ThinkingMode.Off, MaxTokens = 24, MaxKeyphrases = 5 },
        new() { Thinking = ThinkingMode.Auto, MaxTokens = 32, MaxKeyphrases = 5 },
        // The cap forces the closing text in and restarts the grammar at the answer body.
        new() { Thinking = ThinkingMode.Capped, MaxThinkingTokens = 6, MaxTokens = 40, MaxKeyphrases = 5 },
    ];

    public static async Task AssertSameAsync(string model, string? projector, IReadOnlyList<(string Text, string? ImagePath)> posts)
    {
        var checkedPicks = await DecodeAsync(model, projector, posts, checkPicks: true);
        var constrained = await DecodeAsync(model, projector, posts, checkPicks: false);
        Assert.Equal(constrained.Count, checkedPicks.Count);
        for (var i = 0; i < constrained.Count; i++)
        {
            var (expected, actual) = (constrained[i], checkedPicks[i]);
            Assert.Equal(expected.RawOutput, actual.RawOutput);
            Assert.Equal(expected.GeneratedTokens, actual.GeneratedTokens);
            Assert.Equal(expected.Keyphrases.Select(k => k.Text), actual.Keyphrases.Select(k => k.Text));
            Assert.All(expected.Keyphrases.Zip(actual.Keyphrases), pair => Assert.Equal(pair.First.Confidence, pair.Second.Confidence, 1e-9));
        }
    }

    private static async Task<List<SuggestionResult>> DecodeAsync(string model, string? projector, IReadOnlyList<(string Text, string? ImagePath)> posts, bool checkPicks)
    {
        using var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions
        {
            ModelPath = model, ProjectorPath = projector, Threads = 2, MaxParallelSequences = 1, ContextPerSequence = 1024,
            ImageMaxTokens = 64, CheckPickAgainstGrammar = checkPicks,
        });
        var results = new List<SuggestionResult>();
        foreach (var (text, imagePath) in posts)
        {
            var image = imagePath is null ? null : await ImageInput.FromFileAsync(imagePath);
            foreach (var mode in Modes)
                results.Add(await engine.SuggestAsync(text, image, mode));
        }
        return results;
    }
}
