using System.Diagnostics;
using DynamicCot.Keyphrases.Text;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;

namespace DynamicCot.Keyphrases.Tests.Text;

public sealed class PorterStemmerTests(ITestOutputHelper output)
{
    [Fact]
    public void Reproduces_every_NLTK_reference_pair()
    {
        var path = TestPaths.Data("porter", "nltk-porter-vectors.tsv");
        var stemmer = new PorterStemmer();
        var mismatches = new List<string>();
        var pairs = 0;
        var clock = Stopwatch.StartNew();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var tab = line.IndexOf('\t');
            Assert.True(tab > 0, $"malformed reference line: {line}");
            var word = line[..tab];
            var expected = line[(tab + 1)..];
            pairs++;
            var actual = stemmer.Stem(word);
            if (actual != expected)
                mismatches.Add($"{word}: expected {expected}, got {actual}");
        }
        clock.Stop();
        output.WriteLine($"{pairs} pairs, {pairs - mismatches.Count} equal, {clock.ElapsedMilliseconds} ms (first pass, filling the cache)");
        ReportTimings(path);

        Assert.Equal(52_894, pairs);
        Assert.True(mismatches.Count == 0,
            $"{mismatches.Count} of {pairs} stems differ from NLTK, e.g.:\n" + string.Join("\n", mismatches.Take(40)));
    }

    /// <summary>Informational only (timings on a shared machine are not asserted).</summary>
    private void ReportTimings(string path)
    {
        var words = File.ReadLines(path).Where(l => l.Length > 0 && l[0] != '#').Select(l => l[..l.IndexOf('\t')]).ToArray();
        var uncached = new PorterStemmer(cacheCapacity: 0);
        var cached = new PorterStemmer();
        foreach (var word in words)
            cached.Stem(word);
        var clock = Stopwatch.StartNew();
        foreach (var word in words)
            uncached.Stem(word);
        var uncachedMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        foreach (var word in words)
            cached.Stem(word);
        output.WriteLine($"{words.Length} words: {uncachedMs:F0} ms without cache, {clock.Elapsed.TotalMilliseconds:F0} ms from the cache");
    }

    [Theory]
    // NLTK's documented departures from the 1980 paper, each checked by hand against the rules.
    [InlineData("skies", "sky")]      // irregular-form table
    [InlineData("dying", "die")]      // irregular-form table
    [InlineData("ties", "tie")]       // four-letter -ies keeps the e
    [InlineData("ponies", "poni")]    // longer -ies → i
    [InlineData("died", "die")]       // four-letter -ied
    [InlineData("spied", "spi")]      // longer -ied
    [InlineData("happy", "happi")]    // y → i after a consonant
    [InlineData("enjoy", "enjoy")]    // ...but not after a vowel
    [InlineData("by", "by")]          // two letters: never stemmed
    [InlineData("generalization", "gener")]
    [InlineData("hopping", "hop")]    // undouble
    [InlineData("falling", "fall")]   // ll is kept in step 1b
    [InlineData("Running", "run")]    // lowercased first
    public void Applies_NLTK_extensions(string word, string stem) => Assert.Equal(stem, new PorterStemmer().Stem(word));

    [Fact]
    public void Cache_returns_the_same_stem_for_span_and_string_inputs()
    {
        var stemmer = new PorterStemmer(cacheCapacity: 2);
        Assert.Equal("connect", stemmer.Stem("connections"));
        Assert.Equal("connect", stemmer.Stem("xconnectionsx".AsSpan(1, 11)));
        Assert.Equal("relat", stemmer.Stem("relational"));
        Assert.Equal("cat", stemmer.Stem("cats")); // capacity reached: cache emptied, still correct
        Assert.True(stemmer.CachedWordCount <= 2);
    }

    [Fact]
    public void Shared_cache_is_safe_under_concurrent_use()
    {
        var pairs = File.ReadLines(TestPaths.Data("porter", "nltk-porter-vectors.tsv"))
            .Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('\t')).ToArray();
        // a small capacity forces clears while other threads read and add
        var stemmer = new PorterStemmer(cacheCapacity: 1000);
        var wrong = 0;
        Parallel.For(0, pairs.Length * 2, i =>
        {
            var pair = pairs[i % pairs.Length];
            if (stemmer.Stem(pair[0]) != pair[1])
                Interlocked.Increment(ref wrong);
        });
        Assert.Equal(0, wrong);
    }

    [Fact]
    public void Stems_words_longer_than_the_stack_buffer()
    {
        // "abab…ab" + "ational": step 2 gives "…abate" (m > 0), step 4 drops "ate" (m > 1).
        var stem = string.Concat(Enumerable.Repeat("ab", 100));
        Assert.Equal(stem, new PorterStemmer().Stem(stem + "ational"));
    }
}
