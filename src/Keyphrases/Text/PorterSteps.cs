using static DynamicCot.Keyphrases.Text.PorterLetters;

namespace DynamicCot.Keyphrases.Text;

/// <summary>
/// Porter's steps 1a–5b in NLTK_EXTENSIONS mode. Within a rule list the first rule whose suffix matches decides:
/// if its condition fails the word is left as it is (later, shorter suffixes are not tried), as in the algorithm.
/// </summary>
internal static class PorterSteps
{
    /// <summary>A rule's condition, given the whole word and the stem left once the suffix is cut.</summary>
    private delegate bool StemCondition(ReadOnlySpan<char> word, ReadOnlySpan<char> stem);

    private readonly record struct SuffixRule(string Suffix, string Replacement, StemCondition? Condition);

    private static readonly StemCondition PositiveMeasure = static (_, stem) => Measure(stem) > 0;
    private static readonly StemCondition MeasureAboveOne = static (_, stem) => Measure(stem) > 1;

    private static readonly SuffixRule[] Step1aRules =
    [
        new("sses", "ss", null), new("ies", "i", null), new("ss", "ss", null), new("s", "", null),
    ];

    private static readonly SuffixRule[] Step1bRestoreRules =
    [
        new("at", "ate", null), new("bl", "ble", null), new("iz", "ize", null),
    ];

    private static readonly SuffixRule[] Step1cRules =
    [
        // NLTK: y → i only after a consonant that is not the whole stem ("happy" → "happi", "enjoy", "by" stay).
        new("y", "i", static (_, stem) => stem.Length > 1 && IsConsonant(stem, stem.Length - 1)),
    ];

    private static readonly SuffixRule[] Step2Rules =
    [
        new("ational", "ate", PositiveMeasure), new("tional", "tion", PositiveMeasure),
        new("enci", "ence", PositiveMeasure), new("anci", "ance", PositiveMeasure),
        new("izer", "ize", PositiveMeasure), new("bli", "ble", PositiveMeasure),
        new("alli", "al", PositiveMeasure), new("entli", "ent", PositiveMeasure),
        new("eli", "e", PositiveMeasure), new("ousli", "ous", PositiveMeasure),
        new("ization", "ize", PositiveMeasure), new("ation", "ate", PositiveMeasure),
        new("ator", "ate", PositiveMeasure), new("alism", "al", PositiveMeasure),
        new("iveness", "ive", PositiveMeasure), new("fulness", "ful", PositiveMeasure),
        new("ousness", "ous", PositiveMeasure), new("aliti", "al", PositiveMeasure),
        new("iviti", "ive", PositiveMeasure), new("biliti", "ble", PositiveMeasure),
        new("fulli", "ful", PositiveMeasure),
        // NLTK measures "logi" rules on the stem with its "l" kept (word minus "ogi").
        new("logi", "log", static (word, _) => Measure(word[..^3]) > 0),
    ];

    private static readonly SuffixRule[] Step3Rules =
    [
        new("icate", "ic", PositiveMeasure), new("ative", "", PositiveMeasure), new("alize", "al", PositiveMeasure),
        new("iciti", "ic", PositiveMeasure), new("ical", "ic", PositiveMeasure), new("ful", "", PositiveMeasure),
        new("ness", "", PositiveMeasure),
    ];

    private static readonly SuffixRule[] Step4Rules =
    [
        new("al", "", MeasureAboveOne), new("ance", "", MeasureAboveOne), new("ence", "", MeasureAboveOne),
        new("er", "", MeasureAboveOne), new("ic", "", MeasureAboveOne), new("able", "", MeasureAboveOne),
        new("ible", "", MeasureAboveOne), new("ant", "", MeasureAboveOne), new("ement", "", MeasureAboveOne),
        new("ment", "", MeasureAboveOne), new("ent", "", MeasureAboveOne),
        new("ion", "", static (_, stem) => Measure(stem) > 1 && stem.Length > 0 && stem[^1] is 's' or 't'),
        new("ou", "", MeasureAboveOne), new("ism", "", MeasureAboveOne), new("ate", "", MeasureAboveOne),
        new("iti", "", MeasureAboveOne), new("ous", "", MeasureAboveOne), new("ive", "", MeasureAboveOne),
        new("ize", "", MeasureAboveOne),
    ];

    private static readonly SuffixRule[] Step5bRules =
    [
        new("ll", "l", static (word, _) => Measure(word[..^1]) > 1),
    ];

    public static void Step1a(ref PorterWord w)
    {
        // NLTK: a four-letter "-ies" word keeps its e ("ties" → "tie", not "ti").
        if (w.Length == 4 && w.EndsWith("ies"))
        {
            w.ReplaceEnd(3, "ie");
            return;
        }
        ApplyFirstMatching(ref w, Step1aRules);
    }

    public static void Step1b(ref PorterWord w)
    {
        // NLTK: "-ied" → "ie" for four-letter words ("died"), otherwise "i" ("spied" → "spi").
        if (w.EndsWith("ied"))
        {
            w.ReplaceEnd(3, w.Length == 4 ? "ie" : "i");
            return;
        }
        if (w.EndsWith("eed"))
        {
            if (Measure(w.Current[..^3]) > 0)
                w.ReplaceEnd(3, "ee");
            return;
        }

        int cut;
        if (w.EndsWith("ed") && ContainsVowel(w.Current[..^2]))
            cut = 2;
        else if (w.EndsWith("ing") && ContainsVowel(w.Current[..^3]))
            cut = 3;
        else
            return;
        w.Truncate(w.Length - cut);

        // After removing -ed/-ing, restore an e or undouble a consonant so the stem reads like a word.
        if (TryApplyFirstMatching(ref w, Step1bRestoreRules))
            return;
        var current = w.Current;
        if (EndsDoubleConsonant(current))
        {
            if (current[^1] is not ('l' or 's' or 'z'))
                w.Truncate(w.Length - 1);
            return;
        }
        if (Measure(current) == 1 && EndsCvc(current))
            w.ReplaceEnd(0, "e");
    }

    public static void Step1c(ref PorterWord w) => ApplyFirstMatching(ref w, Step1cRules);

    public static void Step2(ref PorterWord w)
    {
        // NLTK applies "alli" → "al" before the other rules and runs step 2 again on the result.
        while (w.EndsWith("alli") && Measure(w.Current[..^4]) > 0)
            w.ReplaceEnd(4, "al");
        ApplyFirstMatching(ref w, Step2Rules);
    }

    public static void Step3(ref PorterWord w) => ApplyFirstMatching(ref w, Step3Rules);

    public static void Step4(ref PorterWord w) => ApplyFirstMatching(ref w, Step4Rules);

    public static void Step5a(ref PorterWord w)
    {
        if (!w.EndsWith("e"))
            return;
        var stem = w.Current[..^1];
        var m = Measure(stem);
        if (m > 1 || (m == 1 && !EndsCvc(stem)))
            w.Truncate(w.Length - 1);
    }

    public static void Step5b(ref PorterWord w) => ApplyFirstMatching(ref w, Step5bRules);

    private static void ApplyFirstMatching(ref PorterWord w, SuffixRule[] rules) => TryApplyFirstMatching(ref w, rules);

    /// <summary>Returns true when a rule's suffix matched (whether or not its condition held).</summary>
    private static bool TryApplyFirstMatching(ref PorterWord w, SuffixRule[] rules)
    {
        foreach (var rule in rules)
        {
            if (!w.EndsWith(rule.Suffix))
                continue;
            var stem = w.Current[..^rule.Suffix.Length];
            if (rule.Condition is null || rule.Condition(w.Current, stem))
                w.ReplaceEnd(rule.Suffix.Length, rule.Replacement);
            return true;
        }
        return false;
    }
}
