
namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>How a token is used, in the terms a GGUF vocabulary records.</summary>
public enum HfTokenKind
{
    /// <summary>A learned BPE token.</summary>
    Normal,

    /// <summary>A special added token (<c>&lt;|im_start|&gt;</c>, ...).</summary>
    Control,

    /// <summary>An added token that is not special.</summary>
    UserDefined,

    /// <summary>An id no token uses (filled as <c>[PAD{id}]</c> so ids stay contiguous).</summary>
    Unused,
}

/// <summary>One row of the contiguous token table.</summary>
public sealed record HfTokenEntry(int Id, string Text, HfTokenKind Kind);

/// <summary>
/// A checkpoint's tokenizer: <c>tokenizer.json</c> plus <c>tokenizer_config.json</c> (and the chat template, which
/// newer checkpoints keep in <c>chat_template.jinja</c> or <c>chat_template.json</c>).
/// </summary>
public sealed class HfTokenizer
{
    public const string ChatTemplateJinjaFileName = "chat_template.jinja";
    public const string ChatTemplateJsonFileName = "chat_template.json";

    private readonly Lazy<ByteLevelBpeEncoder> _encoder;

    public HfTokenizer(TokenizerJson model, TokenizerConfig config, string? chatTemplateOverride = null)
    {
        Model = model;
        Config = config;
        ChatTemplate = config.ChatTemplate ?? chatTemplateOverride;
        _encoder = new Lazy<ByteLevelBpeEncoder>(() => new ByteLevelBpeEncoder(Model));
    }

    public TokenizerJson Model { get; }

    public TokenizerConfig Config { get; }

    /// <summary>The chat template from tokenizer_config.json, else from chat_template.jinja / chat_template.json.</summary>
    public string? ChatTemplate { get; }

    public int? BosTokenId => IdOf(Config.BosToken);

    public int? EosTokenId => IdOf(Config.EosToken);

    public int? PadTokenId => IdOf(Config.PadToken);

    /// <summary>An encoder for this tokenizer (created once, thread-safe).</summary>
    public ByteLevelBpeEncoder Encoder => _encoder.Value;

    /// <summary>Loads from a checkpoint directory; tokenizer_config.json is optional.</summary>
    /// <exception cref="HfFileFormatException">A file is missing or malformed (file and key named).</exception>
    public static HfTokenizer Load(string directory)
    {
        var model = TokenizerJson.Load(Path.Combine(directory, TokenizerJson.FileName));
        var config = LoadConfig(directory);
        return new HfTokenizer(model, config, ChatTemplateFile(directory));
    }

    /// <summary>
    /// The chat template of the checkpoint in <paramref name="directory"/> without loading its vocabulary: from
    /// tokenizer_config.json, else chat_template.jinja, else chat_template.json; null when it has none.
    /// </summary>
    public static string? ReadChatTemplate(string directory) => LoadConfig(directory).ChatTemplate ?? ChatTemplateFile(directory);

    private static TokenizerConfig LoadConfig(string directory)
    {
        var configPath = Path.Combine(directory, TokenizerConfig.FileName);
        return File.Exists(configPath) ? TokenizerConfig.Load(configPath) : new TokenizerConfig();
    }

    private static string? ChatTemplateFile(string directory)
    {
        var jinja = Path.Combine(directory, ChatTemplateJinjaFileName);
        var json = Path.Combine(directory, ChatTemplateJsonFileName);
        if (File.Exists(jinja))
            return File.ReadAllText(jinja);
        return File.Exists(json) ? TokenizerConfig.ReadChatTemplate(JsonObjectReader.Load(json)).Default : null;
    }

    /// <summary>Writes tokenizer.json and tokenizer_config.json into <paramref name="directory"/>.</summary>
    public void Save(string directory, bool mergesAsArrays = false)
    {
        Directory.CreateDirectory(directory);
        Model.Save(Path.Combine(directory, TokenizerJson.FileName), mergesAsArrays);
        var config = Config.ChatTemplate is null && ChatTemplate is not null ? Config with { ChatTemplate = ChatTemplate } : Config;
        config.Save(Path.Combine(directory, TokenizerConfig.FileName));
    }

    /// <summary>The same tokenizer with another chat template (written into tokenizer_config.json on save).</summary>
    public HfTokenizer WithChatTemplate(string template) => new(Model, Config with { ChatTemplate = template });

    /// <summary>Id of a vocabulary or added token.</summary>
    public int? TokenId(string token) => Encoder.TokenToId(token);

    /// <summary>
    /// Every id from 0 to the largest used, with its text and kind: what a GGUF <c>tokenizer.ggml.tokens</c> /
    /// <c>token_type</c> pair needs. Ids no token uses are filled with unique <c>[PAD{id}]</c> entries.
    /// </summary>
    public IReadOnlyList<HfTokenEntry> GetTokenTable()
    {
        var added = Model.AddedTokens.ToDictionary(token => token.Id);
        foreach (var (id, token) in Config.AddedTokensDecoder)
            added.TryAdd(id, token);
        var byId = new Dictionary<int, string>();
        foreach (var (token, id) in Model.Vocab)
            byId[id] = token;
        int count = Math.Max(byId.Count == 0 ? 0 : byId.Keys.Max() + 1, added.Count == 0 ? 0 : added.Keys.Max() + 1);
        var table = new HfTokenEntry[count];
        for (int id = 0; id < count; id++)
        {
            if (added.TryGetValue(id, out var token))
                table[id] = new HfTokenEntry(id, token.Content, token.Special ? HfTokenKind.Control : HfTokenKind.UserDefined);
            else if (byId.TryGetValue(id, out var text))
                table[id] = new HfTokenEntry(id, text, HfTokenKind.Normal);
            else
                table[id] = new HfTokenEntry(id, $"[PAD{id}]", HfTokenKind.Unused);
        }
        return table;
    }

    /// <summary>Merges as the <c>"left right"</c> strings GGUF's <c>tokenizer.ggml.merges</c> stores.</summary>
    public IReadOnlyList<string> GetMergeStrings() => Model.Merges.Select(merge => $"{merge.Left} {merge.Right}").ToArray();

    private int? IdOf(string? token) => token is null ? null : TokenId(token);
}
