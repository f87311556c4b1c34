using System.Text;
using System.Text.Json;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Keyphrases.Suggestions;
using DynamicCot.Keyphrases.Text;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Keyphrases.Tests.Prompting;

/// <summary>Only strings a CMS would store as tags reach editors, whatever the model writes.</summary>
public sealed class TagRulesTests
{
    [Theory]
    [InlineData("s", TagRejection.TooShort)]
    [InlineData("equin{", TagRejection.ForbiddenCharacter)]
    [InlineData("iv m m m m m m m", TagRejection.Repetition)]
    [InlineData("m nw x", TagRejection.None)]
    [InlineData("tab\there", TagRejection.ForbiddenCharacter)]
    [InlineData("a|b", TagRejection.ForbiddenCharacter)]
    [InlineData("...", TagRejection.NoLetterOrDigit)]
    [InlineData("one two three four five six seven eight nine", TagRejection.TooManyWords)]
    [InlineData("bora bora", TagRejection.None)]
    [InlineData("AI", TagRejection.None)]
    [InlineData("COVID-19", TagRejection.None)]
    [InlineData("東京", TagRejection.None)]
    [InlineData("St. Patrick's Day", TagRejection.None)]
    public void Rules_name_what_is_wrong(string tag, TagRejection expected) => Assert.Equal(expected, TagRules.Check(tag));

    [Fact]
    public void The_junk_seen_in_served_answers_is_dropped_and_counted()
    {
        var answer = AnswerParser.Parse("<answer>s, equin{, " + string.Join(' ', Enumerable.Repeat("m", 30).Prepend("iv")) + ", harbour, harbours</answer>");
        var result = SuggestionNormalizer.Normalize(answer.Keyphrases.Select(k => new KeyphraseCandidate(k, 0.5)));
        Assert.Equal(["harbour"], result.Select(s => s.Text)); // "harbours" has harbour's stem key
        Assert.Equal(3, result.DroppedByTagRules);
    }

    [Fact]
    public void The_answer_grammar_excludes_the_characters_the_rules_forbid()
    {
        var grammar = AnswerGrammar.For(ThinkingMode.Off);
        Assert.Contains("keyphrase-char ::= [^,<>{}\\[\\]|\\\\\\\"\\x00-\\x1F\\x7F-\\x9F]", grammar);
    }

    /// <summary>
    /// Property: over random model outputs (words, single letters, grammar and control characters, long runs,
    /// repetitions, separators), every kept keyphrase satisfies the tag rules as written out here independently of
    /// <see cref="TagRules"/>, and no two kept ones share a stem key. Seeded; fails when the rules are taken out.
    /// </summary>
    [Fact]
    public void Random_model_outputs_never_yield_a_non_tag()
    {
        var random = new Random(20251204);
        var stems = new KeyphraseNormalizer();
        string[] words = ["harbour", "harbours", "photo", "m", "s", "iv", "berlin", "wall", "night", "x", "spreetunnel", "equin", "cat", "cats"];
        string[] junk = ["{", "}", "[", "]", "|", "\\", "\"", "<", ">", "\t", "\u0001", "\u0085", "#", ",", ";", "\n", " ", "  ", "<answer>", "</answer>"];
        var kept = 0;
        var dropped = 0;
        for (var i = 0; i < 3000; i++)
        {
            var output = new StringBuilder(random.Next(2) == 0 ? "<answer>" : "");
            var pieces = random.Next(1, 60);
            for (var p = 0; p < pieces; p++)
            {
                output.Append(random.Next(10) switch
                {
                    < 5 => words[random.Next(words.Length)] + " ",
                    < 7 => junk[random.Next(junk.Length)],
                    7 => string.Concat(Enumerable.Repeat(words[random.Next(words.Length)] + " ", random.Next(2, 12))),
                    8 => new string((char)random.Next(0x20, 0x250), random.Next(1, 90)),
                    _ => ", ",
                });
            }
            if (random.Next(2) == 0) output.Append("</answer>");

            var answer = AnswerParser.Parse(output.ToString());
            var result = SuggestionNormalizer.Normalize(answer.Keyphrases.Select(k => new KeyphraseCandidate(k, random.NextDouble())));
            dropped += result.DroppedByTagRules;
            var seenStems = new HashSet<string>();
            foreach (var suggestion in result)
            {
                kept++;
                AssertLooksLikeATag(suggestion.Text, output.ToString());
                var stem = stems.Normalize(suggestion.Text)?.Key;
                Assert.True(stem is null || seenStems.Add(stem), $"'{suggestion.Text}' duplicates an earlier suggestion's stem in: {output}");
            }
        }
        Assert.True(kept > 1000 && dropped > 1000, $"the generator should produce both tags and junk (kept {kept}, dropped {dropped})");
    }

    private static void AssertLooksLikeATag(string tag, string output)
    {
        var context = $"'{tag}' from: {output}";
        Assert.True(tag == tag.Trim(), "untrimmed " + context);
        Assert.InRange(tag.EnumerateRunes().Count(), 2, 64);
        Assert.True(tag.Any(char.IsLetterOrDigit), "no letter or digit " + context);
        Assert.False(tag.Any(c => char.IsControl(c) || ",<>{}[]|\\\"".Contains(c)), "control or grammar character " + context);
        var tagWords = tag.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(tagWords.Length <= 8, "too many words " + context);
        Assert.True(tagWords.GroupBy(w => w.ToLowerInvariant()).All(g => g.Count() <= 2), "repetition " + context);
    }

    public static TheoryData<string, string, double> GoldFiles() => new()
    {
        { "cmkp_dev/valid.jsonl", "keyphrases", 0.999 },
        { "vmu16_small_events/data.jsonl", "gold_seg", 1.0 },
        { "flickr10/data.jsonl", "tags", 1.0 },
        { "text_kp/KPTimes_train_sample10.jsonl", "keyphrases", 1.0 },
        { "text_kp/Inspec.jsonl", "keyphrases", 0.999 },
        { "text_kp/SemEval2010.jsonl", "keyphrases", 0.999 },
    };

    /// <summary>The rules keep what people tag with: the fixture benchmarks' gold keyphrases pass (an upper bound on F1 lost).</summary>
    [Theory]
    [MemberData(nameof(GoldFiles))]
    public void Gold_keyphrases_of_the_fixture_benchmarks_pass(string file, string field, double minimumShare)
    {
        var total = 0;
        var rejected = new List<string>();
        foreach (var line in File.ReadLines(TestPaths.Data(file.Split('/'))))
        {
            using var row = JsonDocument.Parse(line);
            if (!row.RootElement.TryGetProperty(field, out var gold)) continue;
            foreach (var keyphrase in gold.ValueKind == JsonValueKind.Array ? gold.EnumerateArray().Select(g => g.GetString()!) : [gold.GetString()!])
            {
                var cleaned = SuggestionNormalizer.Clean(keyphrase);
                if (cleaned.Length == 0) continue;
                total++;
                if (!TagRules.IsTag(cleaned)) rejected.Add(cleaned);
            }
        }
        Assert.True(total > 0, $"no gold keyphrases read from {file}");
        var share = 1 - (double)rejected.Count / total;
        Assert.True(share >= minimumShare, $"{rejected.Count} of {total} gold keyphrases of {file} break the rules: {string.Join(" | ", rejected.Take(20))}");
    }
}
