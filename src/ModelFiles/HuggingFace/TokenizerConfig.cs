using System.Globalization;
using System.Text.Json.Nodes;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>
/// <c>tokenizer_config.json</c>: the chat template, the named special tokens and the <c>added_tokens_decoder</c>.
/// Keys this type does not model are kept and written back unchanged.
/// </summary>
public sealed record TokenizerConfig
{
    public const string FileName = "tokenizer_config.json";

    /// <summary>The default chat template (the one named "default" when the file lists several).</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>All templates by name when the file uses the list form; empty for the plain string form.</summary>
    public IReadOnlyDictionary<string, string> NamedChatTemplates { get; init; } = new Dictionary<string, string>();

    public string? BosToken { get; init; }

    public string? EosToken { get; init; }

    public string? PadToken { get; init; }

    public string? UnkToken { get; init; }

    public IReadOnlyList<string> AdditionalSpecialTokens { get; init; } = [];

    /// <summary>Added tokens by id.</summary>
    public IReadOnlyDictionary<int, HfAddedToken> AddedTokensDecoder { get; init; } = new Dictionary<int, HfAddedToken>();

    public long? ModelMaxLength { get; init; }

    public string? TokenizerClass { get; init; }

    /// <summary>The file as read, so that <see cref="Save"/> keeps keys not modelled here.</summary>
    public JsonObject? Extra { get; init; }

    public static TokenizerConfig Load(string fileOrDirectory)
    {
        string path = Directory.Exists(fileOrDirectory) ? Path.Combine(fileOrDirectory, FileName) : fileOrDirectory;
        return Parse(JsonObjectReader.Load(path));
    }

    public static TokenizerConfig Parse(string json, string sourceName = FileName) => Parse(JsonObjectReader.Parse(sourceName, json));

    private static TokenizerConfig Parse(JsonObjectReader reader)
    {
        var (template, named) = ReadChatTemplate(reader);
        var decoder = new Dictionary<int, HfAddedToken>();
        var decoderReader = reader.OptionalObject("added_tokens_decoder");
        if (decoderReader is not null)
        {
            foreach (var (key, _) in decoderReader.Node)
            {
                if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                    throw decoderReader.Error(key, "keys must be token ids");
                decoder[id] = HfAddedToken.Parse(decoderReader.RequireObject(key), id);
            }
        }

        return new TokenizerConfig
        {
            ChatTemplate = template,
            NamedChatTemplates = named,
            BosToken = ReadTokenName(reader, "bos_token"),
            EosToken = ReadTokenName(reader, "eos_token"),
            PadToken = ReadTokenName(reader, "pad_token"),
            UnkToken = ReadTokenName(reader, "unk_token"),
            AdditionalSpecialTokens = reader.OptionalArray("additional_special_tokens", (node, index) =>
                TokenNameOf(reader, $"additional_special_tokens[{index}]", node) ?? throw reader.Error($"additional_special_tokens[{index}]", "is null")) ?? [],
            AddedTokensDecoder = decoder,
            ModelMaxLength = reader.Node["model_max_length"] is JsonValue value && value.TryGetValue(out double length)
                ? (long)Math.Min(length, long.MaxValue) : null,
            TokenizerClass = reader.OptionalString("tokenizer_class"),
            Extra = (JsonObject)reader.Node.DeepClone(),
        };
    }

    /// <summary><c>chat_template</c> is a string, or a list of <c>{name, template}</c>.</summary>
    internal static (string? Default, Dictionary<string, string> Named) ReadChatTemplate(JsonObjectReader reader)
    {
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        var node = reader.Node["chat_template"];
        if (node is null)
            return (null, named);
        if (node is JsonValue value && value.TryGetValue(out string? text))
            return (text, named);
        if (node is not JsonArray list)
            throw reader.Error("chat_template", "must be a string or a list of {name, template}");
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject entry)
                throw reader.Error($"chat_template[{i}]", "must be an object {name, template}");
            var entryReader = new JsonObjectReader(reader.FilePath, entry, reader.KeyPath($"chat_template[{i}]"));
            named[entryReader.RequireString("name")] = entryReader.RequireString("template");
        }
        return (named.GetValueOrDefault("default") ?? named.Values.FirstOrDefault(), named);
    }

    private static string? ReadTokenName(JsonObjectReader reader, string key) => TokenNameOf(reader, key, reader.Node[key]);

    /// <summary>Special tokens are a plain string or an AddedToken object with <c>content</c>.</summary>
    private static string? TokenNameOf(JsonObjectReader reader, string key, JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out string? text) => text,
        JsonObject obj => new JsonObjectReader(reader.FilePath, obj, reader.KeyPath(key)).RequireString("content"),
        _ => throw reader.Error(key, $"must be a token string or {{\"content\": ...}}, found {node.ToJsonString()}"),
    };

    public void Save(string path) => HfJson.WriteFile(path, ToJson());

    public JsonObject ToJson()
    {
        var node = Extra is null ? new JsonObject() : (JsonObject)Extra.DeepClone();
        var decoder = new JsonObject();
        foreach (var (id, token) in AddedTokensDecoder.OrderBy(pair => pair.Key))
            decoder[id.ToString(CultureInfo.InvariantCulture)] = token.ToJson(withId: false);
        node["added_tokens_decoder"] = decoder;
        node["additional_special_tokens"] = new JsonArray(AdditionalSpecialTokens.Select(token => (JsonNode?)token).ToArray());
        node["bos_token"] = BosToken;
        node["eos_token"] = EosToken;
        node["pad_token"] = PadToken;
        node["unk_token"] = UnkToken;
        if (NamedChatTemplates.Count > 0)
            node["chat_template"] = new JsonArray(NamedChatTemplates.Select(pair => (JsonNode)new JsonObject { ["name"] = pair.Key, ["template"] = pair.Value }).ToArray());
        else
            node["chat_template"] = ChatTemplate;
        if (ModelMaxLength is not null)
            node["model_max_length"] = ModelMaxLength.Value;
        if (TokenizerClass is not null)
            node["tokenizer_class"] = TokenizerClass;
        return node;
    }
}
