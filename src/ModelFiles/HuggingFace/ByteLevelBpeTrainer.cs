using System.Text;
using System.Text.Json;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>Settings of <see cref="ByteLevelBpeTrainer"/>.</summary>
public sealed record ByteLevelBpeTrainerOptions
{
    /// <summary>Size of the learned vocabulary: the 256 byte symbols plus merges (special tokens come on top).</summary>
    public int VocabSize { get; init; } = 1000;

    /// <summary>Stop early when the best pair occurs fewer times than this.</summary>
    public int MinFrequency { get; init; } = 2;

    /// <summary>Added after the learned vocabulary, in this order, as special tokens.</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = QwenChatTemplate.SpecialTokens;

    /// <summary>Added after the special tokens as plain (non-special) added tokens, as Qwen3 adds <c>&lt;think&gt;</c>.</summary>
    public IReadOnlyList<string> PlainAddedTokens { get; init; } = [];

    /// <summary>NFC-normalise training text and declare the NFC normalizer in tokenizer.json, as Qwen2 does.</summary>
    public bool NormalizeNfc { get; init; } = true;
}

/// <summary>
/// Learns a byte-level BPE vocabulary (GPT-2 byte alphabet, Qwen2 pre-tokenizer split) from text. Deterministic:
/// the same texts and options always give the same merges — words are processed in ordinal order and ties between
/// equally frequent pairs go to the pair with the smaller (left id, right id).
/// </summary>
public static class ByteLevelBpeTrainer
{
    /// <summary>Learns merges and returns a Qwen2-style tokenizer.json model with the special tokens appended.</summary>
    public static TokenizerJson Train(IEnumerable<string> texts, ByteLevelBpeTrainerOptions? options = null)
    {
        options ??= new ByteLevelBpeTrainerOptions();
        if (options.VocabSize < 256)
            throw new ArgumentOutOfRangeException(nameof(options), $"VocabSize {options.VocabSize} is below the 256 byte symbols");
        var allAdded = options.SpecialTokens.Concat(options.PlainAddedTokens).ToList();
        if (allAdded.Distinct(StringComparer.Ordinal).Count() != allAdded.Count)
            throw new ArgumentException("special tokens must be unique", nameof(options));

        var tokens = ByteLevelAlphabet.OrderedCharacters.Select(symbol => symbol.ToString()).ToList();
        var tokenIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tokens.Count; i++)
            tokenIds[tokens[i]] = i;

        var words = CountWords(texts, options, tokenIds);
        var merges = LearnMerges(words, tokens, tokenIds, options);

        var added = new List<HfAddedToken>();
        foreach (var special in options.SpecialTokens)
        {
            if (tokenIds.ContainsKey(special))
                throw new InvalidOperationException($"special token \"{special}\" was also learned as a regular token");
            added.Add(new HfAddedToken(tokens.Count + added.Count, special, Special: true));
        }
        foreach (var plain in options.PlainAddedTokens)
        {
            if (tokenIds.ContainsKey(plain))
                throw new InvalidOperationException($"added token \"{plain}\" was also learned as a regular token");
            added.Add(new HfAddedToken(tokens.Count + added.Count, plain, Special: false));
        }

        var (normalizer, preTokenizer, postProcessor, decoder) = TokenizerJson.Qwen2Sections();
        return new TokenizerJson
        {
            Vocab = tokenIds,
            Merges = merges,
            AddedTokens = added,
            Normalizer = options.NormalizeNfc ? normalizer : null,
            PreTokenizer = preTokenizer,
            PostProcessor = postProcessor,
            Decoder = decoder,
        };
    }

    /// <summary>
    /// Trains and wraps the result as a complete Qwen2-VL style tokenizer: tokenizer.json plus a tokenizer_config.json
    /// with the ChatML chat template, <c>&lt;|im_end|&gt;</c> as end of sequence, <c>&lt;|endoftext|&gt;</c> as padding,
    /// and no beginning-of-sequence token (as Qwen2-VL-Instruct has).
    /// </summary>
    public static HfTokenizer TrainQwenTokenizer(IEnumerable<string> texts, ByteLevelBpeTrainerOptions? options = null)
    {
        var model = Train(texts, options);
        var config = new TokenizerConfig
        {
            ChatTemplate = QwenChatTemplate.Template,
            BosToken = null,
            EosToken = model.AddedTokens.Any(token => token.Content == QwenChatTemplate.ImEnd) ? QwenChatTemplate.ImEnd : null,
            PadToken = model.AddedTokens.Any(token => token.Content == QwenChatTemplate.EndOfText) ? QwenChatTemplate.EndOfText : null,
            AdditionalSpecialTokens = model.AddedTokens.Where(token => token.Special && token.Content != QwenChatTemplate.EndOfText).Select(token => token.Content).ToArray(),
            AddedTokensDecoder = model.AddedTokens.ToDictionary(token => token.Id),
            ModelMaxLength = 32768,
            TokenizerClass = "Qwen2Tokenizer",
            Extra = new System.Text.Json.Nodes.JsonObject
            {
                ["add_prefix_space"] = false,
                ["clean_up_tokenization_spaces"] = false,
                ["errors"] = "replace",
                ["split_special_tokens"] = false,
            },
        };
        return new HfTokenizer(model, config);
    }

    /// <summary>The string field <paramref name="field"/> of every line of a JSON Lines file (lines without it are skipped).</summary>
    public static IEnumerable<string> ReadJsonLines(string path, string field = "text")
    {
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            string? text;
            try
            {
                using var document = JsonDocument.Parse(line);
                text = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(field, out var value)
                    && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            }
            catch (JsonException e)
            {
                throw new HfFileFormatException(path, $"line {lineNumber}", $"not valid JSON: {e.Message}", e);
            }
            if (text is not null)
                yield return text;
        }
    }

    /// <summary>A distinct pre-token, as byte-symbol ids, with how often it occurs.</summary>
    private sealed class Word(int[] symbols, long frequency)
    {
        public int[] Symbols = symbols;
        public readonly long Frequency = frequency;
    }

    private static List<Word> CountWords(IEnumerable<string> texts, ByteLevelBpeTrainerOptions options, Dictionary<string, int> tokenIds)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var raw in texts)
        {
            string text = Qwen2PreTokenizer.ReplaceLoneSurrogates(raw);
            if (options.NormalizeNfc)
                text = DynamicCot.Keyphrases.Text.UnicodeNfc.Normalize(text);
            foreach (var (start, length) in Qwen2PreTokenizer.SplitRanges(text))
            {
                string piece = text.Substring(start, length);
                counts[piece] = counts.GetValueOrDefault(piece) + 1;
            }
        }

        var words = new List<Word>(counts.Count);
        foreach (var (piece, frequency) in counts.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            var bytes = Encoding.UTF8.GetBytes(piece);
            var symbols = new int[bytes.Length];
            for (int i = 0; i < bytes.Length; i++)
                symbols[i] = tokenIds[ByteLevelAlphabet.ByteToChar(bytes[i]).ToString()];
            words.Add(new Word(symbols, frequency));
        }
        return words;
    }

    private static List<BpeMerge> LearnMerges(List<Word> words, List<string> tokens, Dictionary<string, int> tokenIds, ByteLevelBpeTrainerOptions options)
    {
        var pairCounts = new Dictionary<long, long>();
        var pairWords = new Dictionary<long, HashSet<int>>();
        for (int w = 0; w < words.Count; w++)
            AddPairs(words[w], w, +1, pairCounts, pairWords);

        var merges = new List<BpeMerge>();
        while (tokens.Count < options.VocabSize && pairCounts.Count > 0)
        {
            long bestPair = 0, bestCount = 0;
            foreach (var (pair, count) in pairCounts)
            {
                if (count > bestCount || (count == bestCount && pair < bestPair))
                {
                    bestPair = pair;
                    bestCount = count;
                }
            }
            if (bestCount < options.MinFrequency)
                break;

            int left = (int)(bestPair >> 32), right = (int)(bestPair & 0xFFFF_FFFF);
            string merged = tokens[left] + tokens[right];
            if (!tokenIds.TryGetValue(merged, out int mergedId))
            {
                // Two different pairs can spell the same string ("ab"+"c", "a"+"bc"); they share one id.
                mergedId = tokens.Count;
                tokens.Add(merged);
                tokenIds[merged] = mergedId;
            }
            merges.Add(new BpeMerge(tokens[left], tokens[right]));

            foreach (int w in pairWords[bestPair].Order())
            {
                var word = words[w];
                AddPairs(word, w, -1, pairCounts, pairWords);
                word.Symbols = MergeInWord(word.Symbols, left, right, mergedId);
                AddPairs(word, w, +1, pairCounts, pairWords);
            }
            pairCounts.Remove(bestPair);
            pairWords.Remove(bestPair);
        }
        return merges;
    }

    private static void AddPairs(Word word, int wordIndex, int sign, Dictionary<long, long> pairCounts, Dictionary<long, HashSet<int>> pairWords)
    {
        var symbols = word.Symbols;
        for (int i = 0; i + 1 < symbols.Length; i++)
        {
            long pair = ((long)symbols[i] << 32) | (uint)symbols[i + 1];
            long count = pairCounts.GetValueOrDefault(pair) + sign * word.Frequency;
            if (count <= 0)
            {
                pairCounts.Remove(pair);
            }
            else
            {
                pairCounts[pair] = count;
                if (sign > 0)
                {
                    if (!pairWords.TryGetValue(pair, out var set))
                        pairWords[pair] = set = [];
                    set.Add(wordIndex); // never removed eagerly: a stale entry only costs a no-op merge
                }
            }
        }
    }

    private static int[] MergeInWord(int[] symbols, int left, int right, int merged)
    {
        var result = new List<int>(symbols.Length);
        for (int i = 0; i < symbols.Length; i++)
        {
            if (i + 1 < symbols.Length && symbols[i] == left && symbols[i + 1] == right)
            {
                result.Add(merged);
                i++;
            }
            else
            {
                result.Add(symbols[i]);
            }
        }
        return result.ToArray();
    }
}
