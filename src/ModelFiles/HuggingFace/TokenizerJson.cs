using System.Text.Json.Nodes;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>
/// A byte-level BPE <c>tokenizer.json</c> (Hugging Face <c>tokenizers</c> format): the BPE model's vocabulary and
/// ranked merges, the added tokens, and the normalizer / pre-tokenizer / post-processor / decoder sections (kept as
/// JSON so that writing a loaded file preserves them).
/// </summary>
public sealed record TokenizerJson
{
    public const string FileName = "tokenizer.json";

    /// <summary>Token string (byte-level alphabet) → id.</summary>
    public required IReadOnlyDictionary<string, int> Vocab { get; init; }

    /// <summary>Merges by rank (first = applied first).</summary>
    public required IReadOnlyList<BpeMerge> Merges { get; init; }

    public IReadOnlyList<HfAddedToken> AddedTokens { get; init; } = [];

    /// <summary>When true a pre-token found whole in the vocabulary is not split by merges (Llama-3 style; Qwen2 uses false).</summary>
    public bool IgnoreMerges { get; init; }

    public JsonNode? Normalizer { get; init; }

    public JsonNode? PreTokenizer { get; init; }

    public JsonNode? PostProcessor { get; init; }

    public JsonNode? Decoder { get; init; }

    /// <summary>Whether the normalizer (directly or inside a Sequence) is NFC, as Qwen2's is.</summary>
    public bool NormalizesToNfc => ContainsType(Normalizer, "NFC");

    /// <summary>Whether a ByteLevel step is present in the pre-tokenizer (required for this encoder).</summary>
    public bool HasByteLevelPreTokenizer => ContainsType(PreTokenizer, "ByteLevel");

    public bool HasByteLevelDecoder => ContainsType(Decoder, "ByteLevel");

    /// <summary>The Split regex of the pre-tokenizer, if any.</summary>
    public string? SplitPattern => FindSplitPattern(PreTokenizer);

    /// <summary>Loads <c>tokenizer.json</c> from a file or a checkpoint directory.</summary>
    /// <exception cref="HfFileFormatException">Missing file, non-BPE model, malformed vocab/merges/added tokens (key named).</exception>
    public static TokenizerJson Load(string fileOrDirectory)
    {
        string path = Directory.Exists(fileOrDirectory) ? Path.Combine(fileOrDirectory, FileName) : fileOrDirectory;
        return Parse(JsonObjectReader.Load(path));
    }

    public static TokenizerJson Parse(string json, string sourceName = FileName) => Parse(JsonObjectReader.Parse(sourceName, json));

    private static TokenizerJson Parse(JsonObjectReader root)
    {
        var model = root.RequireObject("model");
        string type = model.OptionalString("type") ?? "BPE";
        if (type != "BPE")
            throw model.Error("type", $"only BPE tokenizers are supported, found \"{type}\"");

        var vocabReader = model.RequireObject("vocab");
        var vocab = new Dictionary<string, int>(vocabReader.Node.Count, StringComparer.Ordinal);
        var ids = new HashSet<int>();
        foreach (var (token, _) in vocabReader.Node)
        {
            int id = vocabReader.RequireInt(token);
            if (id < 0)
                throw vocabReader.Error(token, $"id {id} is negative");
            if (!ids.Add(id))
                throw vocabReader.Error(token, $"id {id} is given to two tokens");
            vocab[token] = id;
        }

        var merges = model.OptionalArray("merges", (node, index) => ParseMerge(model, node, index, vocab)) ?? [];
        var added = root.OptionalArray("added_tokens", (node, index) =>
        {
            if (node is not JsonObject entry)
                throw root.Error($"added_tokens[{index}]", "must be an object");
            var reader = new JsonObjectReader(root.FilePath, entry, root.KeyPath($"added_tokens[{index}]"));
            int id = reader.RequireInt("id");
            if (id < 0)
                throw reader.Error("id", $"id {id} is negative");
            return HfAddedToken.Parse(reader, id);
        }) ?? [];
        var addedIds = new HashSet<int>();
        foreach (var token in added)
        {
            if (!addedIds.Add(token.Id))
                throw root.Error("added_tokens", $"id {token.Id} is used by two added tokens");
            if (vocab.TryGetValue(token.Content, out int vocabId) && vocabId != token.Id)
                throw root.Error("added_tokens", $"\"{token.Content}\" has id {token.Id} but the vocabulary gives it {vocabId}");
        }

        return new TokenizerJson
        {
            Vocab = vocab,
            Merges = merges,
            AddedTokens = added,
            IgnoreMerges = model.OptionalBool("ignore_merges") ?? false,
            Normalizer = root.Node["normalizer"]?.DeepClone(),
            PreTokenizer = root.Node["pre_tokenizer"]?.DeepClone(),
            PostProcessor = root.Node["post_processor"]?.DeepClone(),
            Decoder = root.Node["decoder"]?.DeepClone(),
        };
    }

    /// <summary>Merges are <c>"left right"</c> strings (older files) or <c>["left", "right"]</c> arrays (tokenizers ≥ 0.20).</summary>
    private static BpeMerge ParseMerge(JsonObjectReader model, JsonNode? node, int index, Dictionary<string, int> vocab)
    {
        string key = $"merges[{index}]";
        BpeMerge merge;
        if (node is JsonArray pair && pair.Count == 2 && pair[0] is JsonValue left && pair[1] is JsonValue right
            && left.TryGetValue(out string? leftText) && right.TryGetValue(out string? rightText))
        {
            merge = new BpeMerge(leftText, rightText);
        }
        else if (node is JsonValue value && value.TryGetValue(out string? text))
        {
            var parts = text.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw model.Error(key, $"\"{text}\" is not two tokens separated by one space");
            merge = new BpeMerge(parts[0], parts[1]);
        }
        else
        {
            throw model.Error(key, $"must be \"left right\" or [left, right], found {node?.ToJsonString() ?? "null"}");
        }

        foreach (var part in new[] { merge.Left, merge.Right, merge.Left + merge.Right })
        {
            if (!vocab.ContainsKey(part))
                throw model.Error(key, $"\"{part}\" of merge \"{merge.Left} {merge.Right}\" is not in the vocabulary");
        }
        return merge;
    }

    /// <summary>Writes the file; <paramref name="mergesAsArrays"/> selects the newer <c>["a", "b"]</c> merge form.</summary>
    public void Save(string path, bool mergesAsArrays = false) => HfJson.WriteFile(path, ToJson(mergesAsArrays));

    public JsonObject ToJson(bool mergesAsArrays = false)
    {
        var vocab = new JsonObject();
        foreach (var (token, id) in Vocab.OrderBy(pair => pair.Value))
            vocab[token] = id;
        var merges = new JsonArray(Merges.Select(merge => mergesAsArrays
            ? (JsonNode)new JsonArray(merge.Left, merge.Right)
            : JsonValue.Create($"{merge.Left} {merge.Right}")).ToArray());

        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(AddedTokens.OrderBy(token => token.Id).Select(token => (JsonNode)token.ToJson(withId: true)).ToArray()),
            ["normalizer"] = Normalizer?.DeepClone(),
            ["pre_tokenizer"] = PreTokenizer?.DeepClone(),
            ["post_processor"] = PostProcessor?.DeepClone(),
            ["decoder"] = Decoder?.DeepClone(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = IgnoreMerges,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        };
    }

    /// <summary>The sections a Qwen2 byte-level tokenizer.json has (NFC, Split + ByteLevel, ByteLevel decoder).</summary>
    public static (JsonNode Normalizer, JsonNode PreTokenizer, JsonNode PostProcessor, JsonNode Decoder) Qwen2Sections()
    {
        static JsonObject ByteLevel() => new()
        {
            ["type"] = "ByteLevel",
            ["add_prefix_space"] = false,
            ["trim_offsets"] = false,
            ["use_regex"] = false,
        };
        var preTokenizer = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "Split",
                    ["pattern"] = new JsonObject { ["Regex"] = Qwen2PreTokenizer.HuggingFacePattern },
                    ["behavior"] = "Isolated",
                    ["invert"] = false,
                },
                ByteLevel()),
        };
        return (new JsonObject { ["type"] = "NFC" }, preTokenizer, ByteLevel(), ByteLevel());
    }

    private static bool ContainsType(JsonNode? node, string type) => node switch
    {
        JsonObject obj => (obj["type"] is JsonValue value && value.TryGetValue(out string? name) && name == type)
            || obj.Any(pair => pair.Value is JsonArray or JsonObject && ContainsType(pair.Value, type)),
        JsonArray array => array.Any(item => ContainsType(item, type)),
        _ => false,
    };

    private static string? FindSplitPattern(JsonNode? node) => node switch
    {
        JsonObject obj when obj["type"]?.GetValue<string>() == "Split" => obj["pattern"]?["Regex"]?.GetValue<string>(),
        JsonObject obj => obj["pretokenizers"] is JsonArray list ? list.Select(FindSplitPattern).FirstOrDefault(found => found is not null) : null,
        _ => null,
    };
}

/// <summary>One BPE merge rule: the adjacent tokens <see cref="Left"/> and <see cref="Right"/> become one.</summary>
public readonly record struct BpeMerge(string Left, string Right);
