namespace DynamicCot.Keyphrases.Data;

/// <summary>
/// A post's rationale is stored as plain reasoning text, or as a teacher's full output
/// <c>&lt;think&gt;reasoning&lt;/think&gt;&lt;answer&gt;k1, k2&lt;/answer&gt;</c>. Either way the dataset keeps the
/// reasoning only (the answer comes from the gold keyphrases); a tagged rationale that is not well formed — a
/// <c>&lt;think&gt;</c> without its <c>&lt;answer&gt;</c>, say — is an error, because training on it would teach the
/// model an output the serving grammar cannot produce.
/// </summary>
public static class RationaleText
{
    private const string ThinkOpen = "<think>";
    private const string ThinkClose = "</think>";
    private const string AnswerOpen = "<answer>";
    private const string AnswerClose = "</answer>";

    public static string Extract(string rationale, Func<string, Exception> error)
    {
        var tagged = rationale.Contains(ThinkOpen, StringComparison.Ordinal) || rationale.Contains(ThinkClose, StringComparison.Ordinal)
            || rationale.Contains(AnswerOpen, StringComparison.Ordinal) || rationale.Contains(AnswerClose, StringComparison.Ordinal);
        if (!tagged)
        {
            if (string.IsNullOrWhiteSpace(rationale))
                throw error("is blank (leave it out instead)");
            return rationale.Trim();
        }
        var text = rationale.Trim();
        var thinkEnd = text.IndexOf(ThinkClose, StringComparison.Ordinal);
        if (!text.StartsWith(ThinkOpen, StringComparison.Ordinal) || thinkEnd < 0)
            throw error("uses tags but does not start with <think>…</think>");
        var after = text[(thinkEnd + ThinkClose.Length)..].TrimStart();
        if (!after.StartsWith(AnswerOpen, StringComparison.Ordinal) || !after.TrimEnd().EndsWith(AnswerClose, StringComparison.Ordinal))
            throw error("has <think>…</think> but no <answer>…</answer> after it");
        var reasoning = text[ThinkOpen.Length..thinkEnd].Trim();
        if (reasoning.Length == 0)
            throw error("has an empty <think> block");
        return reasoning;
    }
}
