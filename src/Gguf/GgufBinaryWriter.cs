using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace DynamicCot.Gguf;

/// <summary>
/// Little-endian GGUF encoding onto a forward-only stream, with its own buffer and a 64-bit position, so the target
/// need not be seekable and files past 4 GiB need no special handling.
/// </summary>
internal sealed class GgufBinaryWriter : IDisposable
{
    private const int BufferSize = 1 << 20;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _used;

    public GgufBinaryWriter(Stream stream)
    {
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    /// <summary>Bytes written so far (buffered or not).</summary>
    public long Position { get; private set; }

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);

    public void WriteString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteUInt64((ulong)length);
        if (length <= BufferSize)
        {
            Encoding.UTF8.GetBytes(value, Reserve(length));
            return;
        }
        WriteBytes(Encoding.UTF8.GetBytes(value));
    }

    public void WriteValue(GgufValue value)
    {
        switch (value.Type)
        {
            case GgufType.Array:
                WriteUInt32((uint)value.ElementType);
                WriteUInt64((ulong)value.Count);
                WriteArrayElements(value);
                break;
            case GgufType.String:
                WriteString(value.AsString());
                break;
            case GgufType.Bool:
                Reserve(1)[0] = value.AsBool() ? (byte)1 : (byte)0;
                break;
            default:
                WriteScalar(value);
                break;
        }
    }

    private void WriteScalar(GgufValue value)
    {
        switch (value.RawValue)
        {
            case byte v: Reserve(1)[0] = v; break;
            case sbyte v: Reserve(1)[0] = (byte)v; break;
            case ushort v: BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), v); break;
            case short v: BinaryPrimitives.WriteInt16LittleEndian(Reserve(2), v); break;
            case uint v: BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), v); break;
            case int v: BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), v); break;
            case float v: BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), v); break;
            case ulong v: BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), v); break;
            case long v: BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), v); break;
            case double v: BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), v); break;
            default: throw new InvalidOperationException($"cannot encode {value.DescribeType()}");
        }
    }

    private void WriteArrayElements(GgufValue value)
    {
        switch (value.RawValue)
        {
            case string[] strings:
                foreach (var s in strings)
                    WriteString(s);
                break;
            case GgufValue[] arrays:
                // No per-element type tag: the outer array's element type already says "array" (GGUF spec).
                foreach (var inner in arrays)
                    WriteValue(inner);
                break;
            case bool[] bools:
                foreach (var b in bools)
                    Reserve(1)[0] = b ? (byte)1 : (byte)0;
                break;
            // Numbers are stored little-endian, the host order on every target of this project.
            case byte[] a: WriteBytes(a); break;
            case sbyte[] a: WriteBytes(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case ushort[] a: WriteBytes(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case short[] a: WriteBytes(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case uint[] a: WriteBytes(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case int[] a: WriteBytes(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case float[] a: WriteBytes(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case ulong[] a: WriteBytes(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case long[] a: WriteBytes(MemoryMarshal.AsBytes(a.AsSpan())); break;
            case double[] a: WriteBytes(MemoryMarshal.AsBytes(a.AsSpan())); break;
            default: throw new InvalidOperationException($"cannot encode {value.DescribeType()}");
        }
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= BufferSize - _used)
        {
            bytes.CopyTo(_buffer.AsSpan(_used));
            _used += bytes.Length;
            Position += bytes.Length;
            return;
        }
        // Large blocks bypass the buffer.
        Flush();
        _stream.Write(bytes);
        Position += bytes.Length;
    }

    /// <summary>Zero bytes up to the next multiple of <paramref name="alignment"/>.</summary>
    public void PadTo(uint alignment)
    {
        var padding = (int)(GgufHeaderParser.AlignUp(Position, alignment) - Position);
        Reserve(padding).Clear();
    }

    /// <summary>Lets a callback write <paramref name="expectedBytes"/> straight into the stream, and checks it did.</summary>
    public void WriteFromCallback(long expectedBytes, Action<Stream> write, string tensorName)
    {
        Flush();
        using var limited = new BoundedWriteStream(_stream, expectedBytes, tensorName);
        write(limited);
        if (limited.Written != expectedBytes)
            throw new InvalidOperationException($"the data callback of tensor '{tensorName}' wrote {limited.Written} bytes; its type and shape need {expectedBytes}");
        Position += expectedBytes;
    }

    public void Flush()
    {
        if (_used > 0)
        {
            _stream.Write(_buffer, 0, _used);
            _used = 0;
        }
    }

    private Span<byte> Reserve(int count)
    {
        if (count > BufferSize - _used)
            Flush();
        var span = _buffer.AsSpan(_used, count);
        _used += count;
        Position += count;
        return span;
    }

    public void Dispose()
    {
        if (_buffer.Length == 0)
            return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
