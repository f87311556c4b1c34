namespace DynamicCot.Keyphrases.Text;

/// <summary>
/// The set of normalised keyphrases that occur as targets in a collection (typically a training split): what
/// "seen"/"unseen" and train/test overlap are defined against.
/// </summary>
public sealed class KeyphraseVocabulary
{
    private readonly HashSet<StemmedPhrase> _phrases = [];
    private readonly KeyphraseNormalizer _normalizer;

    public KeyphraseVocabulary(KeyphraseNormalizer normalizer) => _normalizer = normalizer;

    public int Count => _phrases.Count;

    public void AddRange(IEnumerable<string> keyphrases)
    {
        foreach (var phrase in _normalizer.NormalizeDistinct(keyphrases))
            _phrases.Add(phrase);
    }

    public void Add(StemmedPhrase phrase) => _phrases.Add(phrase);

    public bool Contains(StemmedPhrase phrase) => _phrases.Contains(phrase);
}
