namespace DynamicCot.Keyphrases.Metrics;

/// <summary>The keyphrase subsets the paper reports F1 for.</summary>
public enum KeyphraseCategory
{
    /// <summary>Every keyphrase.</summary>
    All,

    /// <summary>The stemmed keyphrase occurs contiguously, as whole tokens, in the post's stemmed text.</summary>
    Present,

    /// <summary>Not present.</summary>
    Absent,

    /// <summary>Never a target keyphrase (after normalisation) in the training set.</summary>
    Unseen,
}
