using System.Globalization;
using System.Runtime.InteropServices;

namespace DynamicCot.Gguf;

/// <summary>
/// One typed GGUF metadata value: a scalar of any of the 12 element types, or an array of scalars, of strings or of
/// arrays. Values are immutable; array factories copy their input.
/// </summary>
public sealed class GgufValue : IEquatable<GgufValue>
{
    // Scalars are boxed primitives or a string; arrays are T[] (numbers, bool), string[] or GgufValue[] (nested).
    private readonly object _payload;

    private GgufValue(GgufType type, GgufType elementType, object payload)
    {
        Type = type;
        ElementType = elementType;
        _payload = payload;
    }

    /// <summary>The stored type; <see cref="GgufType.Array"/> for arrays.</summary>
    public GgufType Type { get; }

    /// <summary>For arrays, the element type; for scalars, the same as <see cref="Type"/>.</summary>
    public GgufType ElementType { get; }

    public bool IsArray => Type == GgufType.Array;

    /// <summary>Number of array elements; 1 for a scalar.</summary>
    public int Count => _payload is Array array ? array.Length : 1;

    public static GgufValue UInt8(byte value) => new(GgufType.UInt8, GgufType.UInt8, value);
    public static GgufValue Int8(sbyte value) => new(GgufType.Int8, GgufType.Int8, value);
    public static GgufValue UInt16(ushort value) => new(GgufType.UInt16, GgufType.UInt16, value);
    public static GgufValue Int16(short value) => new(GgufType.Int16, GgufType.Int16, value);
    public static GgufValue UInt32(uint value) => new(GgufType.UInt32, GgufType.UInt32, value);
    public static GgufValue Int32(int value) => new(GgufType.Int32, GgufType.Int32, value);
    public static GgufValue Float32(float value) => new(GgufType.Float32, GgufType.Float32, value);
    public static GgufValue Bool(bool value) => new(GgufType.Bool, GgufType.Bool, value);
    public static GgufValue UInt64(ulong value) => new(GgufType.UInt64, GgufType.UInt64, value);
    public static GgufValue Int64(long value) => new(GgufType.Int64, GgufType.Int64, value);
    public static GgufValue Float64(double value) => new(GgufType.Float64, GgufType.Float64, value);

    public static GgufValue String(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(GgufType.String, GgufType.String, value);
    }

    /// <summary>An array of numbers or bools; the GGUF element type follows from <typeparamref name="T"/>.</summary>
    public static GgufValue Array<T>(ReadOnlySpan<T> values) where T : unmanaged =>
        new(GgufType.Array, ElementTypeOf<T>(), values.ToArray());

    public static GgufValue Array<T>(T[] values) where T : unmanaged => Array((ReadOnlySpan<T>)values);

    public static GgufValue Strings(IEnumerable<string> values)
    {
        var copy = values.ToArray();
        foreach (var s in copy)
            ArgumentNullException.ThrowIfNull(s, nameof(values));
        return new(GgufType.Array, GgufType.String, copy);
    }

    /// <summary>An array of arrays (legal GGUF, but llama.cpp's own reader rejects it). Every element must be an array.</summary>
    public static GgufValue Arrays(IEnumerable<GgufValue> values)
    {
        var copy = values.ToArray();
        foreach (var v in copy)
        {
            ArgumentNullException.ThrowIfNull(v, nameof(values));
            if (!v.IsArray)
                throw new ArgumentException("every element of an array of arrays must itself be an array", nameof(values));
        }
        return new(GgufType.Array, GgufType.Array, copy);
    }

    // Used by the reader, which already owns freshly allocated arrays.
    internal static GgufValue WrapArray(GgufType elementType, Array values) => new(GgufType.Array, elementType, values);

    public byte AsUInt8() => Scalar<byte>(GgufType.UInt8);
    public sbyte AsInt8() => Scalar<sbyte>(GgufType.Int8);
    public ushort AsUInt16() => Scalar<ushort>(GgufType.UInt16);
    public short AsInt16() => Scalar<short>(GgufType.Int16);
    public uint AsUInt32() => Scalar<uint>(GgufType.UInt32);
    public int AsInt32() => Scalar<int>(GgufType.Int32);
    public float AsFloat32() => Scalar<float>(GgufType.Float32);
    public bool AsBool() => Scalar<bool>(GgufType.Bool);
    public ulong AsUInt64() => Scalar<ulong>(GgufType.UInt64);
    public long AsInt64() => Scalar<long>(GgufType.Int64);
    public double AsFloat64() => Scalar<double>(GgufType.Float64);
    public string AsString() => Scalar<string>(GgufType.String);

    /// <summary>
    /// Any integer scalar widened to int64 (llama.cpp's loader accepts several integer widths for the same key), or
    /// null when this is not an integer that fits.
    /// </summary>
    public long? AsInt64Lenient() => _payload switch
    {
        byte v => v, sbyte v => v, ushort v => v, short v => v, uint v => v, int v => v, long v => v,
        ulong v when v <= long.MaxValue => (long)v,
        _ => null,
    };

    /// <summary>The array elements; T must match the element type (string for string arrays, GgufValue for nested).</summary>
    public ReadOnlySpan<T> AsSpan<T>() => IsArrayOf<T>()
        ? (T[])_payload
        : throw new InvalidCastException($"value is {DescribeType()}, not an array of {typeof(T).Name}");

    /// <summary>True when this is an array whose elements are exactly <typeparamref name="T"/>.</summary>
    // An exact type test: CLR array covariance would let a uint[] pass as int[].
    public bool IsArrayOf<T>() => IsArray && _payload.GetType() == typeof(T[]);

    /// <summary>The scalar or array as a CLR object (boxed scalar, string, or an array); do not mutate arrays.</summary>
    public object RawValue => _payload;

    /// <summary>"uint32", "string", "array[float32]", "array[array[int32]]", …</summary>
    public string DescribeType() => IsArray
        ? $"array[{(ElementType == GgufType.Array ? DescribeNested() : TypeName(ElementType))}]"
        : TypeName(Type);

    private string DescribeNested() =>
        _payload is GgufValue[] { Length: > 0 } items ? items[0].DescribeType() : "array";

    public static string TypeName(GgufType type) => type switch
    {
        GgufType.UInt8 => "uint8", GgufType.Int8 => "int8", GgufType.UInt16 => "uint16", GgufType.Int16 => "int16",
        GgufType.UInt32 => "uint32", GgufType.Int32 => "int32", GgufType.Float32 => "float32", GgufType.Bool => "bool",
        GgufType.String => "string", GgufType.Array => "array", GgufType.UInt64 => "uint64", GgufType.Int64 => "int64",
        GgufType.Float64 => "float64", _ => $"type({(int)type})",
    };

    /// <summary>Bytes of one element of a fixed-size type, 0 for strings and arrays.</summary>
    public static int FixedSizeOf(GgufType type) => type switch
    {
        GgufType.UInt8 or GgufType.Int8 or GgufType.Bool => 1,
        GgufType.UInt16 or GgufType.Int16 => 2,
        GgufType.UInt32 or GgufType.Int32 or GgufType.Float32 => 4,
        GgufType.UInt64 or GgufType.Int64 or GgufType.Float64 => 8,
        _ => 0,
    };

    internal static GgufType ElementTypeOf<T>()
    {
        if (typeof(T) == typeof(byte)) return GgufType.UInt8;
        if (typeof(T) == typeof(sbyte)) return GgufType.Int8;
        if (typeof(T) == typeof(ushort)) return GgufType.UInt16;
        if (typeof(T) == typeof(short)) return GgufType.Int16;
        if (typeof(T) == typeof(uint)) return GgufType.UInt32;
        if (typeof(T) == typeof(int)) return GgufType.Int32;
        if (typeof(T) == typeof(float)) return GgufType.Float32;
        if (typeof(T) == typeof(bool)) return GgufType.Bool;
        if (typeof(T) == typeof(ulong)) return GgufType.UInt64;
        if (typeof(T) == typeof(long)) return GgufType.Int64;
        if (typeof(T) == typeof(double)) return GgufType.Float64;
        throw new ArgumentException($"{typeof(T).Name} is not a GGUF element type");
    }

    private T Scalar<T>(GgufType expected) => Type == expected
        ? (T)_payload
        : throw new InvalidCastException($"value is {DescribeType()}, not {TypeName(expected)}");

    /// <summary>A short human form; arrays longer than <paramref name="maxElements"/> show their head and count.</summary>
    public string ToDisplayString(int maxElements = 8, int maxStringChars = 120)
    {
        if (!IsArray)
            return FormatScalar(_payload, maxStringChars);
        var array = (Array)_payload;
        var shown = Math.Min(array.Length, maxElements);
        var parts = new List<string>(shown + 1);
        for (var i = 0; i < shown; i++)
        {
            var item = array.GetValue(i)!;
            parts.Add(item is GgufValue nested ? nested.ToDisplayString(maxElements, maxStringChars) : FormatScalar(item, maxStringChars, quoteStrings: true));
        }
        if (array.Length > shown)
            parts.Add($"… ({array.Length} total)");
        return "[" + string.Join(", ", parts) + "]";
    }

    public override string ToString() => ToDisplayString();

    private static string FormatScalar(object value, int maxStringChars, bool quoteStrings = false) => value switch
    {
        string s => Shorten(s, maxStringChars, quoteStrings),
        bool b => b ? "true" : "false",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static string Shorten(string s, int maxChars, bool quote)
    {
        var text = s.Length > maxChars ? string.Concat(s.AsSpan(0, maxChars), "…") : s;
        text = text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);
        return quote ? "\"" + text + "\"" : text;
    }

    public bool Equals(GgufValue? other)
    {
        if (other is null) return false;
        if (ReferenceEquals(this, other)) return true;
        if (Type != other.Type || ElementType != other.ElementType) return false;
        return (_payload, other._payload) switch
        {
            // Floats compare bitwise, so NaN payloads and -0 round-trip exactly.
            (float a, float b) => BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b),
            (double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b),
            (float[] a, float[] b) => a.AsSpan().SequenceEqual(b) || BitwiseEqual(a, b),
            (double[] a, double[] b) => a.AsSpan().SequenceEqual(b) || BitwiseEqual(a, b),
            (string[] a, string[] b) => a.AsSpan().SequenceEqual(b),
            (GgufValue[] a, GgufValue[] b) => a.AsSpan().SequenceEqual(b),
            (Array a, Array b) => StructuralEquals(a, b),
            var (a, b) => a.Equals(b),
        };
    }

    private static bool BitwiseEqual<T>(T[] a, T[] b) where T : unmanaged =>
        MemoryMarshal.AsBytes(a.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b.AsSpan()));

    private static bool StructuralEquals(Array a, Array b) =>
        System.Collections.StructuralComparisons.StructuralEqualityComparer.Equals(a, b);

    public override bool Equals(object? obj) => obj is GgufValue other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Type, ElementType, Count, IsArray ? 0 : _payload.GetHashCode());
}
