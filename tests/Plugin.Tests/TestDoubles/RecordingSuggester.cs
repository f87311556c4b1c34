using System.Collections.Concurrent;
using DynamicCot.Keyphrases.Suggestions;

namespace DynamicCot.Plugin.Tests.TestDoubles;

/// <summary>
/// Wraps a real engine and records what it was asked and what it answered, so a test can tell "the model did not
/// propose the tag" apart from "the plugin kept the proposed tag off the item".
/// </summary>
public sealed class RecordingSuggester(IKeyphraseSuggester engine) : IKeyphraseSuggester
{
    public ConcurrentQueue<(string Text, SuggestionResult Result)> Answers { get; } = new();

    public async Task<SuggestionResult> SuggestAsync(string text, ImageInput? image, SuggestionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var result = await engine.SuggestAsync(text, image, options, cancellationToken);
        Answers.Enqueue((text, result));
        return result;
    }
}
