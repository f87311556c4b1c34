namespace DynamicCot.Keyphrases.Prompting;

/// <summary>
/// A keyphrase's confidence: the geometric mean of the probabilities of the tokens that wrote it,
/// <c>exp(mean(log p))</c>. The geometric mean is the per-token probability of the whole keyphrase
/// (the joint probability normalised for length), so long and short keyphrases compare fairly; a single unlikely
/// token pulls it down, as it should. Tokens only partly inside a keyphrase (", nep") count for it in full.
/// Probabilities are those the sampler chose the token with, after the grammar constrained the candidates.
/// </summary>
public static class KeyphraseConfidence
{
    // log(0) is -inf; a zero probability (a forced token the model would never pick) counts as this instead.
    private const double ProbabilityFloor = 1e-12;

    /// <summary>Geometric mean of <paramref name="probabilities"/> (each clamped to [1e-12, 1]); 0 when empty.</summary>
    public static double GeometricMean(ReadOnlySpan<double> probabilities)
    {
        if (probabilities.IsEmpty)
            return 0;
        var logSum = 0.0;
        foreach (var probability in probabilities)
            logSum += Math.Log(Clamp(probability));
        return Math.Exp(logSum / probabilities.Length);
    }

    /// <summary>Confidence of the keyphrase at <paramref name="keyphraseSpan"/>: geometric mean over the tokens overlapping it.</summary>
    /// <exception cref="TokenAlignmentException">There are not as many probabilities as token spans.</exception>
    public static double ForSpan(CharSpan keyphraseSpan, IReadOnlyList<CharSpan> tokenSpans, ReadOnlySpan<double> tokenProbabilities)
    {
        ArgumentNullException.ThrowIfNull(tokenSpans);
        CheckAligned(tokenSpans.Count, tokenProbabilities.Length);
        var logSum = 0.0;
        var count = 0;
        for (var token = 0; token < tokenSpans.Count; token++)
        {
            if (!tokenSpans[token].Overlaps(keyphraseSpan))
                continue;
            logSum += Math.Log(Clamp(tokenProbabilities[token]));
            count++;
        }
        return count == 0 ? 0 : Math.Exp(logSum / count);
    }

    /// <summary>
    /// Confidence of each keyphrase of <paramref name="answer"/> (parsed from <c>tokens.Text</c>), in the same order.
    /// <paramref name="tokenProbabilities"/> holds one probability per generated token.
    /// </summary>
    public static double[] ForKeyphrases(ParsedAnswer answer, GeneratedTokenText tokens, ReadOnlySpan<double> tokenProbabilities)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(tokens);
        CheckAligned(tokens.TokenSpans.Count, tokenProbabilities.Length);
        var confidences = new double[answer.KeyphraseSpans.Count];
        for (var i = 0; i < confidences.Length; i++)
        {
            var span = answer.KeyphraseSpans[i];
            if (span.End > tokens.Text.Length)
                throw new TokenAlignmentException(
                    $"Keyphrase {i} spans characters {span.Start}..{span.End}, past the end of the generated text ({tokens.Text.Length} characters): the answer was not parsed from this text.");
            confidences[i] = ForSpan(span, tokens.TokenSpans, tokenProbabilities);
        }
        return confidences;
    }

    private static double Clamp(double probability) =>
        double.IsNaN(probability) ? ProbabilityFloor : Math.Clamp(probability, ProbabilityFloor, 1);

    private static void CheckAligned(int tokenCount, int probabilityCount)
    {
        if (tokenCount != probabilityCount)
            throw new TokenAlignmentException(
                $"Got {probabilityCount} token probabilities for {tokenCount} generated tokens; there must be one per token.");
    }
}
