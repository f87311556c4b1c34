using System.Text;
using DynamicCot.Llama.Native;
using LLama.Native;
using LlamaSharpApi = LLama.Native.NativeApi;

namespace DynamicCot.Inference.Llama;

/// <summary>The vocabulary of a <see cref="LlamaModel"/>: tokenization and detokenization through llama.cpp (via LLamaSharp).</summary>
public sealed class LlamaVocab
{
    private readonly LlamaModel _model;
    private readonly SafeLlamaModelHandle.Vocabulary _vocab;

    internal LlamaVocab(LlamaModel model, SafeLlamaModelHandle.Vocabulary vocab)
    {
        _model = model;
        _vocab = vocab;
    }

    /// <summary>LLamaSharp's vocabulary object (valid while the model is alive).</summary>
    public SafeLlamaModelHandle.Vocabulary Native
    {
        get
        {
            ObjectDisposedException.ThrowIf(_model.Handle.IsClosed, _model);
            return _vocab;
        }
    }

    public int Count => Native.Count;

    public LlamaVocabType Type => (LlamaVocabType)(int)Native.Type;

    public LlamaToken Bos => From(Native.BOS);

    public LlamaToken Eos => From(Native.EOS);

    public LlamaToken Eot => From(Native.EOT);

    public bool AddsBos => Native.ShouldAddBOS;

    public bool IsEndOfGeneration(LlamaToken token) => ((LLamaToken)token.Value).IsEndOfGeneration(Native);

    public bool IsControl(LlamaToken token) => ((LLamaToken)token.Value).IsControl(Native);

    /// <summary>
    /// Placeholder tokens that only pad the embedding matrix (<c>[PAD123]</c>, written by converters for ids the
    /// tokenizer does not use): they carry no text and must never be generated.
    /// </summary>
    public IReadOnlyList<LlamaToken> PaddingTokens()
    {
        var result = new List<LlamaToken>();
        for (var id = 0; id < Count; id++)
        {
            var text = Encoding.UTF8.GetString(TokenToBytes(new LlamaToken(id), special: true));
            if (text is { Length: > 5 } && text.StartsWith("[PAD", StringComparison.Ordinal) && text[^1] == ']' && text.AsSpan(4, text.Length - 5).IndexOfAnyExceptInRange('0', '9') < 0)
                result.Add(new LlamaToken(id));
        }
        return result;
    }

    /// <summary>Tokenizes <paramref name="text"/>; <paramref name="parseSpecial"/> turns <c>&lt;|im_start|&gt;</c> etc. into their control tokens.</summary>
    public LlamaToken[] Tokenize(string text, bool addSpecial = false, bool parseSpecial = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = _model.Handle.Tokenize(text, addSpecial, parseSpecial, Encoding.UTF8);
        var result = new LlamaToken[tokens.Length];
        for (var i = 0; i < tokens.Length; i++)
            result[i] = new LlamaToken((int)tokens[i]);
        return result;
    }

    /// <summary>The UTF-8 bytes a token stands for (a token may hold part of a multi-byte character).</summary>
    public byte[] TokenToBytes(LlamaToken token, bool special = false)
    {
        Span<byte> buffer = stackalloc byte[64];
        var n = LlamaSharpApi.llama_token_to_piece(Native, token.Value, buffer, 0, special);
        if (n >= 0)
            return buffer[..n].ToArray();
        var large = new byte[-n];
        n = LlamaSharpApi.llama_token_to_piece(Native, token.Value, large, 0, special);
        return large.AsSpan(0, Math.Max(0, n)).ToArray();
    }

    /// <summary>Turns tokens back into text (a leading BOS and trailing EOS are dropped with <paramref name="removeSpecial"/>).</summary>
    public string Detokenize(ReadOnlySpan<LlamaToken> tokens, bool removeSpecial = false, bool unparseSpecial = true)
    {
        if (removeSpecial)
        {
            if (tokens.Length > 0 && AddsBos && tokens[0] == Bos) tokens = tokens[1..];
            if (tokens.Length > 0 && tokens[^1] == Eos) tokens = tokens[..^1];
        }
        var bytes = new List<byte>(tokens.Length * 4);
        foreach (var token in tokens)
            bytes.AddRange(TokenToBytes(token, unparseSpecial));
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static LlamaToken From(LLamaToken? token) => token is { } t ? new LlamaToken((int)t) : LlamaToken.Null;
}
