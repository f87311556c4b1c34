namespace DynamicCot.Gguf;

/// <summary>
/// The stream a tensor-data callback writes into: forwards to the file, counts bytes, refuses to write past the
/// tensor's size (so a buggy callback cannot corrupt the next tensor), and never closes the file.
/// </summary>
internal sealed class BoundedWriteStream(Stream inner, long limit, string tensorName) : Stream
{
    public long Written { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Written;

    public override long Position
    {
        get => Written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length > limit - Written)
            throw new InvalidOperationException($"the data callback of tensor '{tensorName}' wrote more than the {limit} bytes its type and shape need");
        inner.Write(buffer);
        Written += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
