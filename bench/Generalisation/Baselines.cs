using DynamicCot.Keyphrases.Data;
using DynamicCot.Keyphrases.Text;

namespace DynamicCot.Bench.Generalisation;

/// <summary>
/// The two reference points a trained model must beat on held-out posts: (a) the most frequent training keyphrases,
/// the same ranked list for every post; (b) TF-IDF nearest neighbours: the keyphrases of the training posts most
/// similar to the post (cosine on TF-IDF of Porter-stemmed words), ranked by similarity-weighted votes.
/// </summary>
/// <remarks>Hand-written because no served package does sparse TF-IDF retrieval over a few thousand posts, and the
/// stemming must be the project's NLTK-exact Porter stemmer so the baselines see words as the metric does.</remarks>
public sealed class Baselines
{
    private readonly KeyphraseNormalizer _normalizer;
    private readonly List<KeyphrasePost> _train;
    private readonly List<string> _frequent;
    private readonly Dictionary<string, string> _surface = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _idf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(int Post, double Weight)>> _index = new(StringComparer.Ordinal);
    private readonly List<List<string>> _trainKeys = [];

    public Baselines(IReadOnlyList<KeyphrasePost> train, KeyphraseNormalizer normalizer)
    {
        _normalizer = normalizer;
        _train = [.. train];
        // Keyphrases are counted by their stemmed form; the first surface form seen stands for it in predictions.
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var post in _train)
        {
            var keys = new List<string>();
            foreach (var phrase in post.Keyphrases)
            {
                var key = Key(phrase);
                if (key is null || keys.Contains(key))
                    continue;
                keys.Add(key);
                _surface.TryAdd(key, phrase);
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
            _trainKeys.Add(keys);
        }
        _frequent = [.. counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Key)];

        var documentFrequency = new Dictionary<string, int>(StringComparer.Ordinal);
        var vectors = _train.Select(p => TermCounts(p.Text)).ToList();
        foreach (var vector in vectors)
            foreach (var term in vector.Keys)
                documentFrequency[term] = documentFrequency.GetValueOrDefault(term) + 1;
        // Smoothed IDF (as scikit-learn's default): log((1 + N) / (1 + df)) + 1.
        foreach (var (term, df) in documentFrequency)
            _idf[term] = Math.Log((1.0 + _train.Count) / (1.0 + df)) + 1.0;
        for (var i = 0; i < vectors.Count; i++)
            foreach (var (term, weight) in Weigh(vectors[i]))
            {
                if (!_index.TryGetValue(term, out var postings))
                    _index[term] = postings = [];
                postings.Add((i, weight));
            }
    }

    /// <summary>The top <paramref name="count"/> training keyphrases by the number of posts carrying them.</summary>
    public IReadOnlyList<string> MostFrequent(int count) => [.. _frequent.Take(count).Select(k => _surface[k])];

    /// <summary>
    /// Keyphrases of the <paramref name="neighbours"/> most similar training posts, each voted for with its post's
    /// cosine similarity; a post sharing no word with any training post (or with too few votes) is topped up with the
    /// most frequent keyphrases so every method answers with the same number of keyphrases.
    /// </summary>
    public IReadOnlyList<string> NearestNeighbours(string text, int neighbours, int count)
    {
        var query = Weigh(TermCounts(text));
        var similarity = new Dictionary<int, double>();
        foreach (var (term, weight) in query)
            if (_index.TryGetValue(term, out var postings))
                foreach (var (post, w) in postings)
                    similarity[post] = similarity.GetValueOrDefault(post) + weight * w;
        var votes = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (post, sim) in similarity.OrderByDescending(s => s.Value).ThenBy(s => s.Key).Take(neighbours))
            foreach (var key in _trainKeys[post])
                votes[key] = votes.GetValueOrDefault(key) + sim;
        var ranked = votes.OrderByDescending(v => v.Value).ThenBy(v => v.Key, StringComparer.Ordinal).Select(v => v.Key).ToList();
        foreach (var key in _frequent)
        {
            if (ranked.Count >= count)
                break;
            if (!ranked.Contains(key))
                ranked.Add(key);
        }
        return [.. ranked.Take(count).Select(k => _surface[k])];
    }

    private string? Key(string phrase)
    {
        return _normalizer.Normalize(phrase)?.Key;
    }

    private Dictionary<string, int> TermCounts(string text)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in _normalizer.StemText(text).Tokens)
            if (token.Length > 0 && char.IsLetterOrDigit(token[0]))
                counts[token] = counts.GetValueOrDefault(token) + 1;
        return counts;
    }

    /// <summary>Sublinear TF (1 + ln tf) times IDF, L2-normalised; unknown terms (IDF missing) are dropped.</summary>
    private List<(string Term, double Weight)> Weigh(Dictionary<string, int> counts)
    {
        var weights = new List<(string, double)>();
        foreach (var (term, tf) in counts)
            if (_idf.TryGetValue(term, out var idf))
                weights.Add((term, (1 + Math.Log(tf)) * idf));
        var norm = Math.Sqrt(weights.Sum(w => w.Item2 * w.Item2));
        return norm == 0 ? [] : [.. weights.Select(w => (w.Item1, w.Item2 / norm))];
    }
}
