using System.Text;
using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.LlamaCpp.Engine;

/// <summary>The vocabulary of a <see cref="LlamaModel"/>: tokenization and detokenization through llama.cpp.</summary>
public sealed class LlamaVocab
{
    private readonly LlamaModel _model;
    private readonly nint _vocab;

    internal LlamaVocab(LlamaModel model, nint vocab)
    {
        _model = model;
        _vocab = vocab;
    }

    public int Count => NativeApi.llama_vocab_n_tokens(Pointer);

    public LlamaVocabType Type => NativeApi.llama_vocab_type(Pointer);

    public LlamaToken Bos => NativeApi.llama_vocab_bos(Pointer);

    public LlamaToken Eos => NativeApi.llama_vocab_eos(Pointer);

    public LlamaToken Eot => NativeApi.llama_vocab_eot(Pointer);

    public bool AddsBos => NativeApi.llama_vocab_get_add_bos(Pointer);

    /// <summary>The raw vocabulary pointer (owned by the model; valid while the model is alive).</summary>
    public nint Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_model.Handle.IsClosed, _model);
            return _vocab;
        }
    }

    public bool IsEndOfGeneration(LlamaToken token) => NativeApi.llama_vocab_is_eog(Pointer, token);

    public bool IsControl(LlamaToken token) => NativeApi.llama_vocab_is_control(Pointer, token);

    /// <summary>The token's text as stored in the vocabulary (byte-level BPE tokens are in their byte-mapped form).</summary>
    public string? GetText(LlamaToken token) => NativeApi.PtrToString(NativeApi.llama_vocab_get_text(Pointer, token));

    /// <summary>
    /// Placeholder tokens that only pad the embedding matrix (<c>[PAD123]</c>, written by converters for ids the
    /// tokenizer does not use): they carry no text and must never be generated.
    /// </summary>
    public IReadOnlyList<LlamaToken> PaddingTokens()
    {
        var result = new List<LlamaToken>();
        for (var id = 0; id < Count; id++)
        {
            var text = GetText(new LlamaToken(id));
            if (text is { Length: > 5 } && text.StartsWith("[PAD", StringComparison.Ordinal) && text[^1] == ']' && text.AsSpan(4, text.Length - 5).IndexOfAnyExceptInRange('0', '9') < 0)
                result.Add(new LlamaToken(id));
        }
        return result;
    }

    /// <summary>Tokenizes <paramref name="text"/>; <paramref name="parseSpecial"/> turns <c>&lt;|im_start|&gt;</c> etc. into their control tokens.</summary>
    public unsafe LlamaToken[] Tokenize(string text, bool addSpecial = false, bool parseSpecial = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var utf8 = Encoding.UTF8.GetBytes(text);
        var capacity = utf8.Length + 8;
        while (true)
        {
            var tokens = new LlamaToken[capacity];
            int n;
            fixed (byte* t = utf8)
            fixed (LlamaToken* o = tokens)
                n = NativeApi.llama_tokenize(Pointer, t, utf8.Length, o, capacity, addSpecial, parseSpecial);
            if (n >= 0)
                return tokens.AsSpan(0, n).ToArray();
            if (n == int.MinValue)
                throw new LlamaNativeException("llama_tokenize", "Tokenization overflowed: the text is too long.");
            capacity = -n;
        }
    }

    /// <summary>The UTF-8 bytes a token stands for (a token may hold part of a multi-byte character).</summary>
    public unsafe byte[] TokenToBytes(LlamaToken token, bool special = false)
    {
        Span<byte> buffer = stackalloc byte[64];
        fixed (byte* b = buffer)
        {
            var n = NativeApi.llama_token_to_piece(Pointer, token, b, buffer.Length, 0, special);
            if (n >= 0)
                return buffer[..n].ToArray();
            var large = new byte[-n];
            fixed (byte* l = large)
                n = NativeApi.llama_token_to_piece(Pointer, token, l, large.Length, 0, special);
            return large.AsSpan(0, Math.Max(0, n)).ToArray();
        }
    }

    /// <summary>Turns tokens back into text.</summary>
    public unsafe string Detokenize(ReadOnlySpan<LlamaToken> tokens, bool removeSpecial = false, bool unparseSpecial = true)
    {
        var capacity = Math.Max(16, tokens.Length * 8);
        while (true)
        {
            var buffer = new byte[capacity];
            int n;
            fixed (LlamaToken* t = tokens)
            fixed (byte* b = buffer)
                n = NativeApi.llama_detokenize(Pointer, t, tokens.Length, b, capacity, removeSpecial, unparseSpecial);
            if (n >= 0)
                return Encoding.UTF8.GetString(buffer, 0, n);
            capacity = -n;
        }
    }
}
