using System.Buffers;
using System.Collections.Concurrent;

namespace DynamicCot.Keyphrases.Text;

/// <summary>
/// The Porter (1980) suffix-stripping stemmer with the behaviour of NLTK 3.8's <c>PorterStemmer</c> in its default
/// mode (<c>NLTK_EXTENSIONS</c>), because the keyphrase benchmarks we compare against are scored with it and one
/// different stem changes present/absent and match decisions. Written from the published algorithm plus NLTK's
/// documented deviations: a table of irregular forms, no stemming of words of two letters or fewer, the
/// <c>ies</c>/<c>ied</c> special cases, <c>y → i</c> only after a consonant, <c>alli</c> handled before the other
/// step-2 rules, <c>bli → ble</c>, <c>fulli → ful</c>, <c>logi → log</c>, and a two-letter word counting as cvc.
/// </summary>
/// <remarks>
/// Input is lowercased (invariant) first, as NLTK does. Each word is stemmed in a stack buffer; results are cached
/// because keyphrase scoring stems the same few thousand words over and over. Thread-safe.
/// </remarks>
public sealed class PorterStemmer
{
    /// <summary>Words longer than this are not cached (they are rare and would only bloat the cache).</summary>
    private const int MaxCachedWordLength = 48;

    private const int StackBufferLength = 128;

    /// <summary>NLTK's irregular forms: looked up before any rule and returned as they are.</summary>
    private static readonly Dictionary<string, string> IrregularForms = new(StringComparer.Ordinal)
    {
        ["sky"] = "sky", ["skies"] = "sky",
        ["dying"] = "die", ["lying"] = "lie", ["tying"] = "tie",
        ["news"] = "news",
        ["innings"] = "inning", ["inning"] = "inning",
        ["outings"] = "outing", ["outing"] = "outing",
        ["cannings"] = "canning", ["canning"] = "canning",
        ["howe"] = "howe",
        ["proceed"] = "proceed", ["exceed"] = "exceed", ["succeed"] = "succeed",
    };

    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> IrregularFormsBySpan =
        IrregularForms.GetAlternateLookup<ReadOnlySpan<char>>();

    private readonly ConcurrentDictionary<string, string> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;
    private readonly int _cacheCapacity;

    /// <summary>Kept by hand: ConcurrentDictionary.Count takes every lock, too slow to call per word.</summary>
    private int _cachedCount;

    /// <param name="cacheCapacity">Most words kept; the cache is emptied when it would grow past this.</param>
    public PorterStemmer(int cacheCapacity = 200_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cacheCapacity);
        _cacheCapacity = cacheCapacity;
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>A process-wide instance, so every scorer shares one cache.</summary>
    public static PorterStemmer Shared { get; } = new();

    /// <summary>How many distinct words are cached now.</summary>
    public int CachedWordCount => Volatile.Read(ref _cachedCount);

    public string Stem(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        return Stem(word.AsSpan());
    }

    public string Stem(ReadOnlySpan<char> word)
    {
        if (word.Length <= MaxCachedWordLength && _cacheBySpan.TryGetValue(word, out var cached))
            return cached;

        char[]? rented = null;
        Span<char> buffer = word.Length <= StackBufferLength
            ? stackalloc char[StackBufferLength]
            : (rented = ArrayPool<char>.Shared.Rent(word.Length));
        try
        {
            var length = word.ToLowerInvariant(buffer);
            var stem = StemLowercase(buffer, length);
            if (word.Length <= MaxCachedWordLength && _cacheCapacity > 0)
            {
                if (Volatile.Read(ref _cachedCount) >= _cacheCapacity)
                {
                    _cache.Clear();
                    Volatile.Write(ref _cachedCount, 0);
                }
                if (_cacheBySpan.TryAdd(word, stem))
                    Interlocked.Increment(ref _cachedCount);
            }
            return stem;
        }
        finally
        {
            if (rented is not null)
                ArrayPool<char>.Shared.Return(rented);
        }
    }

    private static string StemLowercase(Span<char> buffer, int length)
    {
        var word = buffer[..length];
        if (IrregularFormsBySpan.TryGetValue(word, out var irregular))
            return irregular;
        if (length <= 2)
            return new string(word);

        var w = new PorterWord(buffer, length);
        PorterSteps.Step1a(ref w);
        PorterSteps.Step1b(ref w);
        PorterSteps.Step1c(ref w);
        PorterSteps.Step2(ref w);
        PorterSteps.Step3(ref w);
        PorterSteps.Step4(ref w);
        PorterSteps.Step5a(ref w);
        PorterSteps.Step5b(ref w);
        return new string(w.Current);
    }
}
