using DynamicCot.Keyphrases.Suggestions;

namespace DynamicCot.Plugin.DemoHost;

/// <summary>Settings of <see cref="StandInSuggester"/> (section <c>Demo:StandInEngine</c>).</summary>
public sealed class StandInEngineOptions
{
    public const string SectionName = "Demo:StandInEngine";

    /// <summary>Use the stand-in instead of a model.</summary>
    public bool Enabled { get; set; }
    /// <summary>How long each suggestion takes, in milliseconds (to watch jobs run across nodes).</summary>
    public int DelayMilliseconds { get; set; }
    /// <summary>A tag proposed for every item, first and most confident (to show a rejected tag stays off).</summary>
    public string? AlwaysPropose { get; set; }
}

/// <summary>
/// NOT A MODEL: a deterministic stand-in engine for running demo hosts as processes in tests (several nodes, a node
/// killed mid-job) where training the demo model would take minutes per process. It proposes the text's longest words
/// (and <see cref="StandInEngineOptions.AlwaysPropose"/>), with falling confidence. Off unless configured.
/// </summary>
public sealed class StandInSuggester(StandInEngineOptions options) : IKeyphraseSuggester
{
    public async Task<SuggestionResult> SuggestAsync(string text, ImageInput? image, SuggestionOptions? suggestion = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(text) && image is null) throw new SuggestionInputException("text is empty and there is no image.");
        if (options.DelayMilliseconds > 0) await Task.Delay(options.DelayMilliseconds, cancellationToken);
        var words = text.Split([' ', '\n', '.', ',', '!', '?', '#', ':', ';', '"', '(', ')'], StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.ToLowerInvariant())
            .Where(w => w.Length >= 4 && w.All(char.IsLetter))
            .Distinct()
            .OrderByDescending(w => w.Length).ThenBy(w => w, StringComparer.Ordinal)
            .Take(Math.Min(3, suggestion?.MaxKeyphrases ?? 3))
            .ToList();
        if (options.AlwaysPropose is { Length: > 0 } always) words.Insert(0, always);
        var keyphrases = words.Select((w, i) => new KeyphraseSuggestion(w, Math.Round(0.95 - 0.1 * i, 2), false)).ToList();
        return new SuggestionResult(keyphrases, null, text.Length, keyphrases.Count, TimeSpan.Zero, TimeSpan.Zero, string.Join(";", words));
    }
}
