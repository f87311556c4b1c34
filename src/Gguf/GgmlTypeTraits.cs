
namespace DynamicCot.Gguf;

/// <summary>
/// Storage layout of one ggml tensor type: <see cref="BlockSize"/> elements are packed into <see cref="TypeSize"/> bytes.
/// A managed copy of ggml's type table (llama.cpp 22dc605), so GGUF files can be sized and validated without the native
/// library; a test checks every entry against <c>ggml_blck_size</c>/<c>ggml_type_size</c>.
/// </summary>
public readonly record struct GgmlTypeTraits(GgmlType Type, string Name, int BlockSize, int TypeSize)
{
    /// <summary>True for block-quantized types (block size above one element).</summary>
    public bool IsQuantized => BlockSize > 1;

    private static readonly Dictionary<GgmlType, GgmlTypeTraits> Table = Build();

    /// <summary>Every type this build of ggml can store (deprecated and removed ids are absent).</summary>
    public static IReadOnlyCollection<GgmlTypeTraits> All => Table.Values;

    public static bool TryGet(GgmlType type, out GgmlTypeTraits traits) => Table.TryGetValue(type, out traits);

    public static GgmlTypeTraits Get(GgmlType type) =>
        Table.TryGetValue(type, out var traits) ? traits : throw new ArgumentOutOfRangeException(nameof(type), type, $"unknown ggml type id {(int)type}");

    /// <summary>Lower-case ggml name (<c>f32</c>, <c>q4_K</c>, …), or <c>type(N)</c> for an unknown id.</summary>
    public static string NameOf(GgmlType type) => Table.TryGetValue(type, out var traits) ? traits.Name : $"type({(int)type})";

    /// <summary>Parses a ggml type name case-insensitively (<c>q8_0</c>, <c>Q4_K</c>, <c>bf16</c>).</summary>
    public static bool TryParse(string name, out GgmlType type)
    {
        foreach (var traits in Table.Values)
        {
            if (string.Equals(traits.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                type = traits.Type;
                return true;
            }
        }
        type = default;
        return false;
    }

    /// <summary>
    /// Bytes needed for a tensor of this type with dimensions <paramref name="dims"/> (ggml order, ne0 first), or null
    /// when the shape is invalid for the type (ne0 not a multiple of the block size, a dimension or the element count
    /// above <see cref="long.MaxValue"/>, or a byte size that overflows).
    /// </summary>
    public ulong? TryGetByteSize(ReadOnlySpan<ulong> dims, out string? reason)
    {
        ulong elements = 1;
        for (var i = 0; i < dims.Length; i++)
        {
            if (dims[i] > long.MaxValue)
            {
                reason = $"dimension {i} is {dims[i]}, above {long.MaxValue}";
                return null;
            }
            // Element counts must stay representable as int64, as in ggml.
            if (dims[i] != 0 && elements > (ulong)long.MaxValue / dims[i])
            {
                reason = $"element count of shape [{string.Join(", ", dims.ToArray())}] overflows int64";
                return null;
            }
            elements *= dims[i];
        }
        var ne0 = dims.Length > 0 ? dims[0] : 1;
        if (ne0 % (ulong)BlockSize != 0)
        {
            reason = $"ne0 = {ne0} is not a multiple of the {Name} block size {BlockSize}";
            return null;
        }
        var blocks = elements / (ulong)BlockSize;
        if (blocks > (ulong)long.MaxValue / (ulong)TypeSize)
        {
            reason = $"byte size of shape [{string.Join(", ", dims.ToArray())}] overflows int64";
            return null;
        }
        reason = null;
        return blocks * (ulong)TypeSize;
    }

    /// <summary>Bytes needed for a tensor of this type; throws <see cref="ArgumentException"/> for an invalid shape.</summary>
    public ulong GetByteSize(ReadOnlySpan<ulong> dims) =>
        TryGetByteSize(dims, out var reason) ?? throw new ArgumentException($"invalid shape for {Name}: {reason}", nameof(dims));

    private static Dictionary<GgmlType, GgmlTypeTraits> Build()
    {
        const int qk_k = 256;
        GgmlTypeTraits[] entries =
        [
            new(GgmlType.F32, "f32", 1, 4),
            new(GgmlType.F16, "f16", 1, 2),
            new(GgmlType.Q4_0, "q4_0", 32, 18),
            new(GgmlType.Q4_1, "q4_1", 32, 20),
            new(GgmlType.Q5_0, "q5_0", 32, 22),
            new(GgmlType.Q5_1, "q5_1", 32, 24),
            new(GgmlType.Q8_0, "q8_0", 32, 34),
            new(GgmlType.Q8_1, "q8_1", 32, 36),
            new(GgmlType.Q2_K, "q2_K", qk_k, 84),
            new(GgmlType.Q3_K, "q3_K", qk_k, 110),
            new(GgmlType.Q4_K, "q4_K", qk_k, 144),
            new(GgmlType.Q5_K, "q5_K", qk_k, 176),
            new(GgmlType.Q6_K, "q6_K", qk_k, 210),
            new(GgmlType.Q8_K, "q8_K", qk_k, 292),
            new(GgmlType.IQ2_XXS, "iq2_xxs", qk_k, 66),
            new(GgmlType.IQ2_XS, "iq2_xs", qk_k, 74),
            new(GgmlType.IQ3_XXS, "iq3_xxs", qk_k, 98),
            new(GgmlType.IQ1_S, "iq1_s", qk_k, 50),
            new(GgmlType.IQ4_NL, "iq4_nl", 32, 18),
            new(GgmlType.IQ3_S, "iq3_s", qk_k, 110),
            new(GgmlType.IQ2_S, "iq2_s", qk_k, 82),
            new(GgmlType.IQ4_XS, "iq4_xs", qk_k, 136),
            new(GgmlType.I8, "i8", 1, 1),
            new(GgmlType.I16, "i16", 1, 2),
            new(GgmlType.I32, "i32", 1, 4),
            new(GgmlType.I64, "i64", 1, 8),
            new(GgmlType.F64, "f64", 1, 8),
            new(GgmlType.IQ1_M, "iq1_m", qk_k, 56),
            new(GgmlType.BF16, "bf16", 1, 2),
            new(GgmlType.TQ1_0, "tq1_0", qk_k, 54),
            new(GgmlType.TQ2_0, "tq2_0", qk_k, 66),
            new(GgmlType.MXFP4, "mxfp4", 32, 17),
            new(GgmlType.NVFP4, "nvfp4", 64, 36),
            new(GgmlType.Q1_0, "q1_0", 128, 18),
            new(GgmlType.Q2_0, "q2_0", 64, 18),
        ];
        return entries.ToDictionary(e => e.Type);
    }
}
