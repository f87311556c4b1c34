namespace DynamicCot.Finetune.Model;

/// <summary>
/// Several sequences packed into one graph input: their tokens side by side, a block-diagonal causal mask so each
/// sees only itself, positions restarting at 0 per sequence (4 per token, section-major, exactly as mtmd assigns
/// them), and the rows whose next token is supervised.
/// </summary>
public sealed class PackedBatch
{
    public required int Length { get; init; }
    public required int EmbeddingSize { get; init; }
    /// <summary>Token id per row (0 for image rows, whose embedding comes from <see cref="ImageEmbeddings"/>).</summary>
    public required int[] Tokens { get; init; }
    /// <summary>[Length × EmbeddingSize]: image embeddings at image rows, zero elsewhere.</summary>
    public required float[] ImageEmbeddings { get; init; }
    /// <summary>1 for text rows, 0 for image rows.</summary>
    public required float[] TextMask { get; init; }
    /// <summary>4 × Length positions, section-major: t…, y (row)…, x (column)…, z….</summary>
    public required int[] Positions { get; init; }
    /// <summary>[Length × Length] additive attention mask (0 or −∞), row = query.</summary>
    public required float[] AttentionMask { get; init; }
    /// <summary>Rows whose logits predict a supervised token.</summary>
    public required int[] SupervisedRows { get; init; }
    /// <summary>The token each supervised row must predict.</summary>
    public required int[] Labels { get; init; }
    /// <summary>Supervised rows per packed sequence, in order (to split a batched loss per sample).</summary>
    public required int[] SupervisedPerSequence { get; init; }
    public bool HasImages { get; init; }

    public static PackedBatch Pack(IReadOnlyList<TrainingSequence> sequences, int embeddingSize)
    {
        var length = sequences.Sum(s => s.TokenCount);
        if (length == 0)
            throw new ArgumentException("Nothing to pack: the sequences are empty.");
        var tokens = new int[length];
        var images = new float[(long)length * embeddingSize];
        var textMask = new float[length];
        var positions = new int[4 * length];
        var mask = new float[(long)length * length];
        Array.Fill(mask, float.NegativeInfinity);
        var rows = new List<int>();
        var labels = new List<int>();
        var perSequence = new int[sequences.Count];
        var hasImages = false;

        var row = 0;
        for (var s = 0; s < sequences.Count; s++)
        {
            var sequence = sequences[s];
            var start = row;
            var position = 0;
            var textRows = new List<(int Row, int Token)>();
            foreach (var segment in sequence.Segments)
            {
                switch (segment)
                {
                    case TextSegment text:
                        foreach (var token in text.Tokens)
                        {
                            tokens[row] = token;
                            textMask[row] = 1;
                            for (var section = 0; section < 4; section++)
                                positions[section * length + row] = position;
                            textRows.Add((row, token));
                            row++;
                            position++;
                        }
                        break;
                    case ImageSegment image:
                        hasImages = true;
                        if (image.Embeddings.Length != image.TokenCount * embeddingSize)
                            throw new ArgumentException($"Image embeddings hold {image.Embeddings.Length} values; {image.TokenCount} × {embeddingSize} expected.");
                        for (var i = 0; i < image.TokenCount; i++)
                        {
                            image.Embeddings.AsSpan(i * embeddingSize, embeddingSize).CopyTo(images.AsSpan((int)((long)row * embeddingSize), embeddingSize));
                            positions[row] = position;
                            positions[length + row] = position + image.RowOffsets[i];
                            positions[2 * length + row] = position + image.ColumnOffsets[i];
                            positions[3 * length + row] = 0;
                            row++;
                        }
                        position += image.PositionCount;
                        break;
                }
            }
            // Causal within the sequence only.
            for (var q = start; q < row; q++)
                for (var k = start; k <= q; k++)
                    mask[(long)q * length + k] = 0;
            // The last SupervisedTokens text tokens are targets; each is predicted by the row before it.
            var supervised = Math.Min(sequence.SupervisedTokens, textRows.Count);
            for (var i = textRows.Count - supervised; i < textRows.Count; i++)
            {
                if (textRows[i].Row == start)
                    continue; // the first row has nothing before it
                rows.Add(textRows[i].Row - 1);
                labels.Add(textRows[i].Token);
                perSequence[s]++;
            }
        }
        return new PackedBatch
        {
            Length = length, EmbeddingSize = embeddingSize, Tokens = tokens, ImageEmbeddings = images, TextMask = textMask,
            Positions = positions, AttentionMask = mask, SupervisedRows = rows.ToArray(), Labels = labels.ToArray(),
            SupervisedPerSequence = perSequence, HasImages = hasImages,
        };
    }
}
