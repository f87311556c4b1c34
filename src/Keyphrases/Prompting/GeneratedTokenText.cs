using System.Buffers;
using System.Text;

namespace DynamicCot.Keyphrases.Prompting;

/// <summary>
/// Generated text together with the character span each generated token produced, so character positions found by
/// <see cref="AnswerParser"/> can be traced back to tokens (and their probabilities).
/// </summary>
public sealed class GeneratedTokenText
{
    private GeneratedTokenText(string text, CharSpan[] tokenSpans)
    {
        Text = text;
        TokenSpans = tokenSpans;
    }

    /// <summary>The concatenated, decoded text of all tokens.</summary>
    public string Text { get; }

    /// <summary>One span per token, in order; a token that produced no complete character has an empty span.</summary>
    public IReadOnlyList<CharSpan> TokenSpans { get; }

    /// <summary>
    /// The tokens that wrote any character of <paramref name="span"/> (e.g. a keyphrase's span from
    /// <see cref="ParsedAnswer.KeyphraseSpans"/>), as an index range into <see cref="TokenSpans"/>; empty when none did.
    /// </summary>
    public Range TokensCovering(CharSpan span)
    {
        var first = -1;
        var last = -1;
        for (var token = 0; token < TokenSpans.Count; token++)
        {
            if (!TokenSpans[token].Overlaps(span))
                continue;
            if (first < 0)
                first = token;
            last = token;
        }
        return first < 0 ? 0..0 : first..(last + 1);
    }

    /// <summary>From token pieces already decoded to strings (each piece a whole number of characters).</summary>
    public static GeneratedTokenText FromPieces(IEnumerable<string> pieces)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        var text = new StringBuilder();
        var spans = new List<CharSpan>();
        foreach (var piece in pieces)
        {
            var value = piece ?? "";
            spans.Add(new CharSpan(text.Length, value.Length));
            text.Append(value);
        }
        return new GeneratedTokenText(text.ToString(), spans.ToArray());
    }

    /// <summary>
    /// From raw UTF-8 token pieces, as <c>llama_token_to_piece</c> returns them. Byte-level BPE splits multi-byte
    /// characters across tokens (emoji, CJK), so pieces cannot be decoded one by one; the bytes are decoded as a
    /// whole and each token is given the characters its bytes belong to, a character shared by two tokens counting
    /// for both. Invalid bytes decode to U+FFFD, as <see cref="Encoding.UTF8"/> would.
    /// </summary>
    public static GeneratedTokenText FromUtf8Pieces(IReadOnlyList<ReadOnlyMemory<byte>> pieces)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        var totalBytes = 0;
        foreach (var piece in pieces)
            totalBytes += piece.Length;
        var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(1, totalBytes));
        try
        {
            var offset = 0;
            foreach (var piece in pieces)
            {
                piece.Span.CopyTo(bytes.AsSpan(offset));
                offset += piece.Length;
            }
            return Decode(bytes.AsSpan(0, totalBytes), pieces);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static GeneratedTokenText Decode(ReadOnlySpan<byte> bytes, IReadOnlyList<ReadOnlyMemory<byte>> pieces)
    {
        // charStartOfByte[b] = index in the text of the character that byte b belongs to; one extra slot for the end.
        var charStartOfByte = new int[bytes.Length + 1];
        var text = new StringBuilder(bytes.Length);
        var position = 0;
        while (position < bytes.Length)
        {
            Rune.DecodeFromUtf8(bytes[position..], out var rune, out var consumed);
            for (var i = 0; i < consumed; i++)
                charStartOfByte[position + i] = text.Length;
            text.Append(rune.ToString());
            position += consumed;
        }
        charStartOfByte[bytes.Length] = text.Length;

        var spans = new CharSpan[pieces.Count];
        var byteStart = 0;
        for (var token = 0; token < pieces.Count; token++)
        {
            var byteEnd = byteStart + pieces[token].Length;
            if (byteEnd == byteStart)
            {
                spans[token] = new CharSpan(charStartOfByte[byteStart], 0);
                continue;
            }
            var charStart = charStartOfByte[byteStart];
            // The end is the end of the character holding the token's last byte.
            var lastChar = charStartOfByte[byteEnd - 1];
            var charEnd = lastChar + CharLengthAt(text, lastChar);
            spans[token] = CharSpan.FromBounds(charStart, charEnd);
            byteStart = byteEnd;
        }
        return new GeneratedTokenText(text.ToString(), spans);
    }

    private static int CharLengthAt(StringBuilder text, int index) =>
        index + 1 < text.Length && char.IsHighSurrogate(text[index]) && char.IsLowSurrogate(text[index + 1]) ? 2 : 1;
}
