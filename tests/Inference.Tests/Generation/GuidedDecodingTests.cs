using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Inference.Tests.Generation;

/// <summary>Checking the greedy pick against the answer grammar decodes exactly what constraining every candidate does.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class GuidedDecodingTests(TinyModels models)
{
    [Theory]
    [InlineData(QwenVlArchitecture.Qwen2Vl)]
    [InlineData(QwenVlArchitecture.Qwen25Vl)]
    public async Task Checked_picks_give_the_same_tokens_and_confidences_as_the_full_constraint(QwenVlArchitecture arch)
    {
        var files = models.Get(arch);
        var posts = KeyphraseEngineTests.Posts().Select(p => ((string)p[0], (string?)p[1]))
            .Append(("Huge crowds gather downtown for the marathon finish", null)).ToList();
        await GuidedDecodingComparison.AssertSameAsync(files.LanguageModel, files.Projector, posts);
    }
}
