using DynamicCot.Finetune.ModelInputs;
using TorchSharp;
using static TorchSharp.torch;

namespace DynamicCot.Finetune.Torch;

/// <summary>Which rows' logits a forward pass returns.</summary>
public enum OutputRows
{
    /// <summary>The rows that predict a supervised (answer) token — training and per-sample losses.</summary>
    Supervised,
    /// <summary>Every real (non-padding) row, in order — parity checks against the served engine.</summary>
    All,
}

/// <summary>
/// Several sequences as one padded batch <c>[B, T]</c> (right padding, so causal attention alone keeps every real row
/// from seeing padding): token ids, the projector's image embeddings at image rows, four M-RoPE positions per row
/// exactly as mtmd assigns them (text: t = h = w = e = position; image: t = start, h = start + row, w = start + column,
/// e = 0; an image advances the position by max(rows, columns)), and the flat indices of the rows whose logits are
/// wanted with their labels.
/// </summary>
public sealed class TorchBatch : IDisposable
{
    private TorchBatch(int count, int length) { Count = count; Length = length; }

    public int Count { get; }
    public int Length { get; }
    /// <summary>Rows that hold a token or an image embedding (not padding).</summary>
    public int RealTokens { get; private init; }
    /// <summary>[B, T] int64 token ids (0 at image and padding rows).</summary>
    public required Tensor Tokens { get; init; }
    /// <summary>[4, B, T] int64 positions, section-major.</summary>
    public required Tensor Positions { get; init; }
    /// <summary>Flat indices (b·T + t) of image rows, with their embeddings <see cref="ImageEmbeddings"/> [n, D]; null without images.</summary>
    public Tensor? ImageRows { get; init; }
    public Tensor? ImageEmbeddings { get; init; }
    /// <summary>Flat indices of the rows whose logits are computed.</summary>
    public required Tensor OutputIndices { get; init; }
    /// <summary>The token each output row must predict (supervised mode), else empty.</summary>
    public required Tensor Labels { get; init; }
    /// <summary>Output rows per sequence, in order (to split a loss per sample).</summary>
    public required int[] RowsPerSequence { get; init; }
    public int OutputCount => RowsPerSequence.Sum();

    public static TorchBatch Create(IReadOnlyList<TrainingSequence> sequences, int embeddingSize, OutputRows rows, Device device)
    {
        if (sequences.Count == 0)
            throw new ArgumentException("Nothing to batch: no sequences.");
        var length = sequences.Max(s => s.TokenCount);
        if (length == 0)
            throw new ArgumentException("Nothing to batch: the sequences are empty.");
        var count = sequences.Count;
        var tokens = new long[count * length];
        var positions = new long[4 * count * length];
        var imageRows = new List<long>();
        var imageValues = new List<float[]>();
        var outputs = new List<long>();
        var labels = new List<long>();
        var perSequence = new int[count];
        var real = 0;
        var plane = count * length;

        for (var s = 0; s < count; s++)
        {
            var row = 0;
            var position = 0;
            var textRows = new List<(int Row, int Token)>();
            var baseIndex = s * length;
            foreach (var segment in sequences[s].Segments)
            {
                switch (segment)
                {
                    case TextSegment text:
                        foreach (var token in text.Tokens)
                        {
                            tokens[baseIndex + row] = token;
                            for (var section = 0; section < 4; section++)
                                positions[section * plane + baseIndex + row] = position;
                            textRows.Add((row, token));
                            row++;
                            position++;
                        }
                        break;
                    case ImageSegment image:
                        if (image.Embeddings.Length != image.TokenCount * embeddingSize)
                            throw new ArgumentException($"Image embeddings hold {image.Embeddings.Length} values; {image.TokenCount} × {embeddingSize} expected.");
                        for (var i = 0; i < image.TokenCount; i++)
                        {
                            positions[baseIndex + row] = position;
                            positions[plane + baseIndex + row] = position + image.RowOffsets[i];
                            positions[2 * plane + baseIndex + row] = position + image.ColumnOffsets[i];
                            positions[3 * plane + baseIndex + row] = 0;
                            imageRows.Add(baseIndex + row);
                            row++;
                        }
                        imageValues.Add(image.Embeddings);
                        position += image.PositionCount;
                        break;
                }
            }
            real += row;
            if (rows == OutputRows.All)
            {
                for (var r = 0; r < row; r++) outputs.Add(baseIndex + r);
                perSequence[s] = row;
                continue;
            }
            // The last SupervisedTokens text tokens are targets; each is predicted by the row before it.
            var supervised = Math.Min(sequences[s].SupervisedTokens, textRows.Count);
            for (var i = textRows.Count - supervised; i < textRows.Count; i++)
            {
                if (textRows[i].Row == 0)
                    continue; // the first row has nothing before it
                outputs.Add(baseIndex + textRows[i].Row - 1);
                labels.Add(textRows[i].Token);
                perSequence[s]++;
            }
        }

        Tensor? embeddings = null;
        if (imageValues.Count > 0)
        {
            var flat = new float[imageRows.Count * embeddingSize];
            var at = 0;
            foreach (var values in imageValues)
            {
                values.CopyTo(flat, at);
                at += values.Length;
            }
            embeddings = tensor(flat, [imageRows.Count, embeddingSize]).to(device);
        }
        return new TorchBatch(count, length)
        {
            RealTokens = real,
            Tokens = tensor(tokens, [count, length]).to(device),
            Positions = tensor(positions, [4, count, length]).to(device),
            ImageRows = imageRows.Count > 0 ? tensor(imageRows.ToArray()).to(device) : null,
            ImageEmbeddings = embeddings,
            OutputIndices = tensor(outputs.ToArray()).to(device),
            Labels = tensor(labels.ToArray()).to(device),
            RowsPerSequence = perSequence,
        };
    }

    public void Dispose()
    {
        Tokens.Dispose();
        Positions.Dispose();
        ImageRows?.Dispose();
        ImageEmbeddings?.Dispose();
        OutputIndices.Dispose();
        Labels.Dispose();
    }
}
