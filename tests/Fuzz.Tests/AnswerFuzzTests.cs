using System.Text;
using DynamicCot.Keyphrases.Prompting;
using Xunit.Abstractions;

namespace DynamicCot.Fuzz.Tests;

/// <summary>
/// The answer parser and normaliser on random token streams (the tags, separators, special tokens, words, broken
/// UTF-16, control characters). Pass: it never throws, and every suggestion it keeps is a tag (<see cref="TagRules"/>).
/// </summary>
public sealed class AnswerFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Tokens =
    [
        "<think>", "</think>", "<answer>", "</answer>", "<|im_end|>", "<|im_start|>", "<__media__>", ", ", ",", ";", "\n", " ",
        "#", "berlin", "Berlin", "tunnel", "m", "s", "iv", "equin{", "}", "\u0000", "\u0085", "\uD800", "\uDC00", "東京", "é", "e\u0301",
        "😀", "\t", "<", ">", "answer>", "</", "photo", "photos",
    ];

    /// <summary>Each input is a seed for one token stream, so mutated bytes still give streams of these tokens.</summary>
    private static string Stream(byte[] input)
    {
        var random = new Random(input.Length == 0 ? 0 : BitConverter.ToInt32(System.Security.Cryptography.SHA256.HashData(input)));
        var text = new StringBuilder();
        var count = random.Next(0, 200);
        for (var i = 0; i < count; i++)
        {
            if (random.Next(8) == 0 && input.Length > 0)
            {
                var start = random.Next(input.Length);
                text.Append(Encoding.UTF8.GetString(input, start, Math.Min(8, input.Length - start))); // raw bytes as the model might decode them
            }
            else
            {
                text.Append(Tokens[random.Next(Tokens.Length)]);
            }
        }
        return text.ToString();
    }

    /// <summary>The input as literal model output (regression inputs are such texts), then the token stream it seeds.</summary>
    private static FuzzOutcome Execute(byte[] input)
    {
        foreach (var output in new[] { Encoding.UTF8.GetString(input), Stream(input) })
        {
            var answer = AnswerParser.Parse(output);
            var kept = SuggestionNormalizer.Normalize(answer.Keyphrases.Select(k => new KeyphraseCandidate(k, 0.5)), maxKeyphrases: 10);
            foreach (var suggestion in kept)
                if (suggestion.Text != suggestion.Text.Trim() || TagRules.Check(suggestion.Text) is not TagRejection.None)
                    throw new InvalidOperationException($"kept '{suggestion.Text}', which is not a tag ({TagRules.Check(suggestion.Text)})");
        }
        return FuzzOutcome.Result;
    }

    [Fact]
    public void Random_token_streams_parse_and_keep_only_tags() =>
        new FuzzRun("answer", output).Run([FuzzRun.Utf8("<answer>berlin, tunnel</answer>"), FuzzRun.Utf8("<think>x</think><answer>a</answer>"), [1, 2, 3, 4]], Execute);
}
