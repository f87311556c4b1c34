namespace DynamicCot.Llama.Native;

// Typed ids: `llama_token`, `llama_pos` and `llama_seq_id` are all int32_t in C, which makes them easy to mix up.
// These wrappers are blittable (a single int) and pass straight through P/Invoke.

/// <summary>A vocabulary token id (<c>llama_token</c>).</summary>
public readonly record struct LlamaToken(int Value)
{
    /// <summary><c>LLAMA_TOKEN_NULL</c>.</summary>
    public static readonly LlamaToken Null = new(-1);
    public static implicit operator int(LlamaToken token) => token.Value;
    public static explicit operator LlamaToken(int value) => new(value);
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A position in a sequence (<c>llama_pos</c>).</summary>
public readonly record struct LlamaPos(int Value)
{
    public static implicit operator int(LlamaPos pos) => pos.Value;
    public static explicit operator LlamaPos(int value) => new(value);
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A sequence id inside a context (<c>llama_seq_id</c>).</summary>
public readonly record struct LlamaSeqId(int Value)
{
    public static implicit operator int(LlamaSeqId id) => id.Value;
    public static explicit operator LlamaSeqId(int value) => new(value);
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
