using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>
/// Managed byte-level BPE tokenizer for a <see cref="TokenizerJson"/> with Qwen2's pre-tokenizer: added (special)
/// tokens are matched first in the raw text; the text between them is NFC-normalised (when the file's normalizer
/// says so), split by <see cref="Qwen2PreTokenizer"/>, each piece's UTF-8 bytes mapped to byte-level symbols, and
/// merges applied lowest rank first. Thread-safe; results per piece are cached.
/// </summary>
public sealed class ByteLevelBpeEncoder
{
    private const int MaxCachedPieces = 200_000;

    private readonly string?[] _idToToken;
    private readonly Dictionary<string, int> _tokenToId;
    private readonly int[] _byteIds = new int[256];
    private readonly Dictionary<long, (int Rank, int Result)> _merges;
    private readonly HashSet<int> _addedIds = [];
    private readonly HashSet<int> _specialIds = [];
    private readonly Regex? _addedTokenRegex;
    private readonly bool _normalizeNfc;
    private readonly bool _ignoreMerges;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;

    /// <param name="tokenizer">A byte-level BPE tokenizer.json.</param>
    /// <param name="normalizeNfc">Override for NFC normalisation; null follows the file's normalizer. (llama.cpp does not normalise.)</param>
    /// <exception cref="HfFileFormatException">The vocabulary lacks one of the 256 byte symbols.</exception>
    public ByteLevelBpeEncoder(TokenizerJson tokenizer, bool? normalizeNfc = null)
    {
        _normalizeNfc = normalizeNfc ?? tokenizer.NormalizesToNfc;
        _ignoreMerges = tokenizer.IgnoreMerges;
        _tokenToId = new Dictionary<string, int>(tokenizer.Vocab, StringComparer.Ordinal);
        int size = Math.Max(tokenizer.Vocab.Count == 0 ? 0 : tokenizer.Vocab.Values.Max() + 1,
            tokenizer.AddedTokens.Count == 0 ? 0 : tokenizer.AddedTokens.Max(token => token.Id) + 1);
        _idToToken = new string?[size];
        foreach (var (token, id) in tokenizer.Vocab)
            _idToToken[id] = token;
        foreach (var added in tokenizer.AddedTokens)
        {
            _idToToken[added.Id] = added.Content;
            _tokenToId[added.Content] = added.Id;
            _addedIds.Add(added.Id);
            if (added.Special)
                _specialIds.Add(added.Id);
        }

        for (int value = 0; value < 256; value++)
        {
            string symbol = ByteLevelAlphabet.ByteToChar((byte)value).ToString();
            _byteIds[value] = tokenizer.Vocab.TryGetValue(symbol, out int id)
                ? id
                : throw new HfFileFormatException(TokenizerJson.FileName, "model.vocab", $"byte-level symbol \"{symbol}\" (byte 0x{value:X2}) is missing");
        }

        _merges = new Dictionary<long, (int, int)>(tokenizer.Merges.Count);
        for (int rank = 0; rank < tokenizer.Merges.Count; rank++)
        {
            var merge = tokenizer.Merges[rank];
            long key = PairKey(tokenizer.Vocab[merge.Left], tokenizer.Vocab[merge.Right]);
            _merges.TryAdd(key, (rank, tokenizer.Vocab[merge.Left + merge.Right])); // a repeated merge keeps its first (best) rank
        }

        if (tokenizer.AddedTokens.Count > 0)
        {
            // Longest first so that a token that is a prefix of another never wins.
            var alternatives = tokenizer.AddedTokens.Select(token => token.Content).Where(content => content.Length > 0)
                .Distinct(StringComparer.Ordinal).OrderByDescending(content => content.Length).ThenBy(content => content, StringComparer.Ordinal)
                .Select(Regex.Escape);
            _addedTokenRegex = new Regex(string.Join('|', alternatives), RegexOptions.CultureInvariant | RegexOptions.Compiled);
        }
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>One more than the largest id (vocabulary plus added tokens).</summary>
    public int VocabularySize => _idToToken.Length;

    public string? IdToToken(int id) => id >= 0 && id < _idToToken.Length ? _idToToken[id] : null;

    public int? TokenToId(string token) => _tokenToId.TryGetValue(token, out int id) ? id : null;

    public bool IsSpecial(int id) => _specialIds.Contains(id);

    /// <summary>Token ids of <paramref name="text"/>.</summary>
    /// <param name="matchAddedTokens">When false, <c>&lt;|im_start|&gt;</c> and the like in the text are tokenized as plain text.</param>
    public int[] Encode(string text, bool matchAddedTokens = true)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        Encode(text, ids, matchAddedTokens);
        return ids.ToArray();
    }

    /// <summary>Appends the token ids of <paramref name="text"/> to <paramref name="output"/>.</summary>
    public void Encode(string text, List<int> output, bool matchAddedTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = Qwen2PreTokenizer.ReplaceLoneSurrogates(text);
        if (!matchAddedTokens || _addedTokenRegex is null)
        {
            EncodeOrdinary(text, output);
            return;
        }
        int end = 0;
        foreach (var match in _addedTokenRegex.EnumerateMatches(text))
        {
            if (match.Index > end)
                EncodeOrdinary(text[end..match.Index], output);
            output.Add(_tokenToId[text.Substring(match.Index, match.Length)]);
            end = match.Index + match.Length;
        }
        if (end < text.Length)
            EncodeOrdinary(text[end..], output);
    }

    private void EncodeOrdinary(string text, List<int> output)
    {
        if (_normalizeNfc)
            text = DynamicCot.Keyphrases.Text.UnicodeNfc.Normalize(text);
        var span = text.AsSpan();
        foreach (var match in Qwen2PreTokenizer.RegexFor(span).EnumerateMatches(span))
            EncodePiece(span.Slice(match.Index, match.Length), output);
    }

    private void EncodePiece(ReadOnlySpan<char> piece, List<int> output)
    {
        if (_cacheLookup.TryGetValue(piece, out var cached))
        {
            output.AddRange(cached);
            return;
        }

        int maxBytes = Encoding.UTF8.GetMaxByteCount(piece.Length);
        byte[]? rented = null;
        Span<byte> bytes = maxBytes <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        int[]? rentedSymbols = null;
        try
        {
            int byteCount = Encoding.UTF8.GetBytes(piece, bytes);
            bytes = bytes[..byteCount];
            int[] result;
            if (_ignoreMerges && _tokenToId.TryGetValue(ByteLevelAlphabet.Encode(bytes), out int whole))
            {
                result = [whole];
            }
            else
            {
                Span<int> symbols = byteCount <= 256 ? stackalloc int[256] : (rentedSymbols = ArrayPool<int>.Shared.Rent(byteCount));
                for (int i = 0; i < byteCount; i++)
                    symbols[i] = _byteIds[bytes[i]];
                int count = ApplyMerges(symbols[..byteCount]);
                result = symbols[..count].ToArray();
            }
            output.AddRange(result);
            if (_cache.Count >= MaxCachedPieces)
                _cache.Clear(); // bounded memory on unbounded input; the common pieces come back quickly
            _cacheLookup.TryAdd(piece, result);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
            if (rentedSymbols is not null)
                ArrayPool<int>.Shared.Return(rentedSymbols);
        }
    }

    /// <summary>Repeatedly merges the adjacent pair of lowest rank (leftmost on ties) in place; returns the new length.</summary>
    private int ApplyMerges(Span<int> symbols)
    {
        int count = symbols.Length;
        while (count > 1)
        {
            int bestRank = int.MaxValue, bestAt = -1, bestResult = 0;
            for (int i = 0; i < count - 1; i++)
            {
                if (_merges.TryGetValue(PairKey(symbols[i], symbols[i + 1]), out var merge) && merge.Rank < bestRank)
                {
                    bestRank = merge.Rank;
                    bestAt = i;
                    bestResult = merge.Result;
                }
            }
            if (bestAt < 0)
                break;
            symbols[bestAt] = bestResult;
            symbols[(bestAt + 2)..count].CopyTo(symbols[(bestAt + 1)..]);
            count--;
        }
        return count;
    }

    /// <summary>Text of token ids: byte-level symbols back to bytes, UTF-8 decoded (invalid sequences become U+FFFD).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in the vocabulary.</exception>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var bytes = new ArrayBufferWriter<byte>(ids.Length * 4 + 16);
        foreach (int id in ids)
        {
            string token = IdToToken(id) ?? throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} is not in the vocabulary");
            if (_addedIds.Contains(id))
            {
                if (skipSpecialTokens && _specialIds.Contains(id))
                    continue;
                var span = bytes.GetSpan(Encoding.UTF8.GetMaxByteCount(token.Length));
                bytes.Advance(Encoding.UTF8.GetBytes(token, span));
                continue;
            }
            var destination = bytes.GetSpan(token.Length * 3);
            int written = 0;
            foreach (char symbol in token)
            {
                if (ByteLevelAlphabet.TryCharToByte(symbol, out byte value))
                    destination[written++] = value;
                else
                    written += Encoding.UTF8.GetBytes(symbol.ToString(), destination[written..]); // not byte-level; keep as text
            }
            bytes.Advance(written);
        }
        return Encoding.UTF8.GetString(bytes.WrittenSpan);
    }

    private static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;
}
