using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>
/// Turns tokenizer.json + tokenizer_config.json into llama.cpp's <c>gpt2</c> vocabulary the way llama.cpp's own
/// converter does (<c>convert_hf_to_gguf.py</c>, <c>TextModel.get_vocab_base</c> and <c>does_token_look_special</c>,
/// ggml-org/llama.cpp 0024aa74): ids without a token become <c>[PAD{id}]</c> (unused) up to the model's vocab size,
/// added tokens that are special or look special (<c>&lt;|…|&gt;</c>) are control tokens, other added tokens
/// user-defined; a tokenizer with an id at or past the model's vocab size is refused (its <c>assert max(vocab) &lt;
/// vocab_size</c>). Special-token ids are always written explicitly (llama.cpp otherwise defaults both BOS and EOS
/// to id 11).
/// </summary>
public static class QwenVocabularyBuilder
{
    public static GgufVocabulary Build(string checkpointDirectory, QwenVlConfig config)
    {
        var hf = HfTokenizer.Load(checkpointDirectory);
        return Build(hf.Model, hf.Config, hf.ChatTemplate, config, checkpointDirectory);
    }

    public static GgufVocabulary Build(TokenizerJson tokenizer, TokenizerConfig tokenizerConfig, string? chatTemplate, QwenVlConfig config, string source)
    {
        if (!tokenizer.HasByteLevelPreTokenizer)
            throw new InvalidDataException($"{source}: tokenizer.json is not a byte-level BPE tokenizer; Qwen-VL checkpoints use one.");

        var byId = new Dictionary<int, (string Text, GgufTokenType Type)>();
        foreach (var (text, id) in tokenizer.Vocab)
            byId[id] = (text, GgufTokenType.Normal);
        foreach (var added in tokenizer.AddedTokens)
            byId[added.Id] = (added.Content, added.Special || LooksSpecial(added.Content) ? GgufTokenType.Control : GgufTokenType.UserDefined);

        var maxId = byId.Count == 0 ? -1 : byId.Keys.Max();
        if (maxId >= config.Text.VocabSize)
            throw new InvalidDataException($"{Path.Combine(source, TokenizerJson.FileName)}: token id {maxId} ('{byId[maxId].Text}') does not fit the {config.Text.VocabSize} embedding rows of {Path.Combine(source, QwenVlConfig.FileName)} (vocab_size); the tokenizer and the weights do not belong together.");
        var count = config.Text.VocabSize;
        var tokens = new string[count];
        var types = new GgufTokenType[count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var id = 0; id < count; id++)
        {
            var (text, type) = byId.TryGetValue(id, out var entry) ? entry : ($"[PAD{id}]", GgufTokenType.Unused);
            if (!seen.Add(text))
                throw new InvalidDataException($"{source}: token '{text}' appears twice in the vocabulary (id {id}); llama.cpp requires unique tokens.");
            tokens[id] = text;
            types[id] = type;
        }

        int Id(string? token, string role, int? fallback)
        {
            if (token is not null)
            {
                if (tokenizer.Vocab.TryGetValue(token, out var id)) return id;
                var added = tokenizer.AddedTokens.FirstOrDefault(a => a.Content == token);
                if (added is not null) return added.Id;
                throw new InvalidDataException($"{source}: the {role} token '{token}' is not in the vocabulary.");
            }
            return fallback ?? throw new InvalidDataException($"{source}: no {role} token is configured.");
        }

        var endOfText = tokenizer.AddedTokens.FirstOrDefault(a => a.Content == "<|endoftext|>")?.Id;
        var bos = Id(tokenizerConfig.BosToken, "BOS", config.Text.BosTokenId ?? endOfText);
        var eos = Id(tokenizerConfig.EosToken, "EOS", config.Text.EosTokenId ?? endOfText);
        var pad = Id(tokenizerConfig.PadToken, "padding", endOfText ?? eos);
        var addBos = tokenizerConfig.Extra?["add_bos_token"]?.GetValue<bool>() ?? false;

        return new GgufVocabulary(
            tokens,
            types,
            tokenizer.Merges.Select(m => $"{m.Left} {m.Right}").ToArray(),
            bos, eos, pad, addBos,
            chatTemplate ?? tokenizerConfig.ChatTemplate);
    }

    /// <summary>Added tokens llama.cpp's converter treats as control tokens even when not marked special.</summary>
    private static bool LooksSpecial(string token) => token.StartsWith("<|", StringComparison.Ordinal) && token.EndsWith("|>", StringComparison.Ordinal);
}
