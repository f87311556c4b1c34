namespace DynamicCot.ModelFiles.Qwen;

/// <summary>llama.cpp's token types (<c>llama_token_type</c> as stored in <c>tokenizer.ggml.token_type</c>).</summary>
public enum GgufTokenType { Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 }

/// <summary>The tokenizer as llama.cpp stores it: a <c>gpt2</c> (byte-level BPE) vocabulary with the qwen2 pre-tokenizer.</summary>
public sealed record GgufVocabulary(
    IReadOnlyList<string> Tokens,
    IReadOnlyList<GgufTokenType> TokenTypes,
    IReadOnlyList<string> Merges,
    int BosTokenId,
    int EosTokenId,
    int PaddingTokenId,
    bool AddBos,
    string? ChatTemplate)
{
    public const string Model = "gpt2";
    public const string PreTokenizer = "qwen2";
}
