namespace DynamicCot.Finetune.ModelInputs;

/// <summary>A piece of a model input: text tokens, or an image's embeddings.</summary>
public abstract record SequenceSegment
{
    public abstract int TokenCount { get; }

    /// <summary>Positions the segment advances (an M-RoPE image advances by max(rows, cols), not by its token count).</summary>
    public abstract int PositionCount { get; }
}

public sealed record TextSegment(int[] Tokens) : SequenceSegment
{
    public override int TokenCount => Tokens.Length;
    public override int PositionCount => Tokens.Length;
}

/// <summary>
/// An image as the language model sees it: n_tokens × n_embd embeddings from the frozen projector and, for each
/// embedding, its row and column offset in the merged-patch grid (mtmd's M-RoPE decoder positions minus the start).
/// When the vision tower is trained, <see cref="Pixels"/> holds the prepared image it embeds instead.
/// </summary>
public sealed record ImageSegment(float[] Embeddings, int[] RowOffsets, int[] ColumnOffsets, int Positions) : SequenceSegment
{
    /// <summary>The image prepared for the TorchSharp tower (null while the tower is frozen).</summary>
    public VisionPixels? Pixels { get; init; }

    public override int TokenCount => RowOffsets.Length;
    public override int PositionCount => Positions;
}

/// <summary>One sample: prompt and target as segments, and where the supervised (target) tokens start.</summary>
/// <param name="Segments">Text and image segments in order.</param>
/// <param name="SupervisedTokens">How many of the last text tokens are supervised (the answer, including its end token).</param>
public sealed record TrainingSequence(IReadOnlyList<SequenceSegment> Segments, int SupervisedTokens)
{
    public int TokenCount => Segments.Sum(s => s.TokenCount);
}
