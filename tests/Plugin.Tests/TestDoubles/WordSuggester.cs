using System.Collections.Concurrent;
using DynamicCot.Keyphrases.Suggestions;

namespace DynamicCot.Plugin.Tests.TestDoubles;

/// <summary>
/// TEST DOUBLE of the engine: suggests the text's longest distinct words (deterministic), with falling confidence.
/// Records every call; can be told to wait, to say it is overloaded, or to fail for a given text.
/// </summary>
public sealed class WordSuggester : IKeyphraseSuggester
{
    public ConcurrentQueue<(string Text, ImageInput? Image)> Calls { get; } = new();
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;
    public bool Overloaded { get; set; }

    /// <summary>When set, every call fails as an engine that is down for a while (restarting) does.</summary>
    public bool Unavailable { get; set; }
    public int MaxWords { get; set; } = 3;

    /// <summary>When set, every call signals <see cref="Answering"/> and waits for this before answering (inference in progress).</summary>
    public TaskCompletionSource? Hold { get; set; }
    public SemaphoreSlim Answering { get; } = new(0);

    public async Task<SuggestionResult> SuggestAsync(string text, ImageInput? image, SuggestionOptions? options = null, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue((text, image));
        if (Overloaded) throw new SuggesterOverloadedException(16);
        if (Unavailable) throw new SuggesterUnavailableException("The keyphrase engine is restarting.", TimeSpan.FromSeconds(1));
        if (string.IsNullOrWhiteSpace(text) && image is null) throw new SuggestionInputException("text is empty and there is no image.");
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay, cancellationToken);
        if (Hold is { } hold)
        {
            Answering.Release();
            await hold.Task.WaitAsync(cancellationToken);
        }
        var words = Words(text).Take(Math.Min(MaxWords, options?.MaxKeyphrases ?? MaxWords)).ToList();
        if (image is not null) words.Add("photo");
        var suggestions = words.Select((w, i) => new KeyphraseSuggestion(w, Math.Round(0.9 - 0.1 * i, 2), false)).ToList();
        return new SuggestionResult(suggestions, null, text.Length, suggestions.Count, TimeSpan.Zero, TimeSpan.Zero, string.Join(";", words));
    }

    public static IEnumerable<string> Words(string text) =>
        text.Split([' ', '\n', '.', ',', '!', '?', '#', ':', ';', '"', '(', ')'], StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.ToLowerInvariant())
            .Where(w => w.Length >= 4 && w.All(char.IsLetter))
            .Distinct()
            .OrderByDescending(w => w.Length).ThenBy(w => w, StringComparer.Ordinal);
}
