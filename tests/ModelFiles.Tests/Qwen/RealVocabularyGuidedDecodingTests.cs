using System.Text.Json;
using DynamicCot.Tests.Shared;

namespace DynamicCot.ModelFiles.Tests.Qwen;

/// <summary>
/// At Qwen's real 151,936-token vocabulary, checking the greedy pick against the answer grammar decodes exactly what
/// constraining every candidate does (random weights: most picks are refused, so the ranked and full passes run too).
/// </summary>
public sealed class RealVocabularyGuidedDecodingTests(RealTokenizerModel model) : IClassFixture<RealTokenizerModel>
{
    [Fact]
    public async Task Checked_picks_give_the_same_tokens_and_confidences_as_the_full_constraint()
    {
        var posts = new List<(string Text, string? ImagePath)>();
        foreach (var line in File.ReadLines(TestPaths.Data("flickr10", "data.jsonl")).Take(2))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            posts.Add((root.GetProperty("title").GetString()!, TestPaths.Data("flickr10", root.GetProperty("image").GetString()!)));
        }
        posts.Add(("Cafe\u0301 in Tōkyō 東京 #coffee 👩‍👩‍👧", null));
        await GuidedDecodingComparison.AssertSameAsync(model.LanguageModel, model.Projector, posts);
    }
}
