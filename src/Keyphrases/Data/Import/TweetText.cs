using System.Net;
using System.Text.RegularExpressions;

namespace DynamicCot.Keyphrases.Data.Import;

/// <summary>
/// Turns a raw tweet into post text the way the CMKP benchmark presents it: the hashtags that serve as labels
/// (the run of hashtags at the end of the tweet) are removed, and hashtags used inside a sentence are kept as
/// plain words, so the model sees the words a reader sees without being handed the answers.
/// </summary>
public static partial class TweetText
{
    public static string ToCmkpStyle(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        // Crawled tweets carry escaped newlines ("\n" as two characters) and HTML entities (&amp;).
        var text = WebUtility.HtmlDecode(raw.Replace("\\n", " ", StringComparison.Ordinal));
        text = Url().Replace(text, " ");
        var tokens = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();

        // The trailing run: bare hashtags at the end, skipping punctuation-only tokens ("--") among them.
        var end = tokens.Count;
        while (end > 0 && (IsHashtag(tokens[end - 1]) || IsPunctuationOnly(tokens[end - 1])))
            end--;
        var kept = tokens.Take(end).Select(StripHashMarks);
        return string.Join(' ', kept);
    }

    private static bool IsHashtag(string token) => HashtagToken().IsMatch(token);

    private static bool IsPunctuationOnly(string token) => token.All(c => char.IsPunctuation(c) || char.IsSymbol(c));

    private static string StripHashMarks(string token) => HashMark().Replace(token, "");

    /// <summary>A link, also in the mangled crawl form "http: \/\/t.co\/…" some posts carry.</summary>
    [GeneratedRegex(@"https?:\s?(?:\\?/){2}\S+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Url();

    /// <summary>
    /// A whole token that is one bare hashtag. A hashtag carrying punctuation ("in #SouthKorea.") ends a sentence,
    /// so it is read as part of that sentence, not as a label.
    /// </summary>
    [GeneratedRegex(@"^#[\p{L}\p{Nd}_]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HashtagToken();

    /// <summary>A '#' that starts a hashtag inside a token.</summary>
    [GeneratedRegex(@"#(?=[\p{L}\p{Nd}_])", RegexOptions.CultureInvariant)]
    private static partial Regex HashMark();
}
