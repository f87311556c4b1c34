
namespace DynamicCot.Gguf;

/// <summary>One tensor entry of a GGUF file.</summary>
public sealed class GgufTensorInfo
{
    internal GgufTensorInfo(int index, string name, GgmlType type, ulong[] dimensions, ulong offset, ulong byteSize)
    {
        Index = index;
        Name = name;
        Type = type;
        _dimensions = dimensions;
        Offset = offset;
        ByteSize = byteSize;
    }

    private readonly ulong[] _dimensions;

    /// <summary>Position in the file's tensor-info list.</summary>
    public int Index { get; }

    public string Name { get; }

    public GgmlType Type { get; }

    /// <summary>Dimensions in ggml order (ne0 = the contiguous, fastest-varying one first), as stored: 0 to 4 of them.</summary>
    public ulong[] Dimensions => (ulong[])_dimensions.Clone();

    internal ReadOnlySpan<ulong> DimensionsSpan => _dimensions;

    /// <summary>Byte offset of the data relative to the start of the data section.</summary>
    public ulong Offset { get; }

    /// <summary>Bytes of tensor data, from the type's block size and type size.</summary>
    public ulong ByteSize { get; }

    public ulong ElementCount
    {
        get
        {
            ulong n = 1;
            foreach (var d in _dimensions)
                n *= d;
            return n;
        }
    }

    public string TypeName => GgmlTypeTraits.NameOf(Type);

    /// <summary>"[4096, 151936]" in ggml order.</summary>
    public string ShapeText => "[" + string.Join(", ", _dimensions) + "]";

    public override string ToString() => $"{Name} {TypeName} {ShapeText} @{Offset} ({ByteSize} B)";
}
