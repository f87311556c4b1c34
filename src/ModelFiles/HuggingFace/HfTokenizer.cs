
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
        string configPath = Path.Combine(directory, TokenizerConfig.FileName);
        var config = File.Exists(configPath) ? TokenizerConfig.Load(configPath) : new TokenizerConfig();

        string? template = null;
        string jinja = Path.Combine(directory, ChatTemplateJinjaFileName);
        string json = Path.Combine(directory, ChatTemplateJsonFileName);
        if (File.Exists(jinja))
            template = File.ReadAllText(jinja);
        else if (File.Exists(json))
            template = TokenizerConfig.ReadChatTemplate(JsonObjectReader.Load(json)).Default;
        return new HfTokenizer(model, config, template);
    }

    /// <summary>Writes tokenizer.json and tokenizer_config.json into <paramref name="directory"/>.</summary>
    public void Save(string directory, bool mergesAsArrays = false)
    {
        Directory.CreateDirectory(directory);
        Model.Save(Path.Combine(directory, TokenizerJson.FileName), mergesAsArrays);
        var config = Config.ChatTemplate is null && ChatTemplate is not null ? Config with { ChatTemplate = ChatTemplate } : Config;
        config.Save(Path.Combine(directory, TokenizerConfig.FileName));
    }

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
