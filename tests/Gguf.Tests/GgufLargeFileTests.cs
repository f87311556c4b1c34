using DynamicCot.Gguf;
using DynamicCot.Llama.Native;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Gguf.Tests;

/// <summary>
/// Files over 4 GiB without writing 4 GiB: all-zero writes become holes in a sparse file, so the writer's 64-bit
/// offsets, the reader's placement checks and llama.cpp's reader are exercised on a real 4.5 GiB file that uses a few
/// KiB of disk.
/// </summary>
public class GgufLargeFileTests
{
    private const ulong BigBytes = (4UL << 30) + (512UL << 20);

    [Fact]
    public unsafe void TensorsPastFourGiBRoundTripThroughOursAndLlamaCpp()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = temp.File("big.gguf");
        var tail = Enumerable.Range(0, 8).Select(i => (float)i + 0.5f).ToArray();
        var zeros = new byte[1 << 20];
        var writer = new GgufWriter()
            .AddString("general.architecture", "test")
            .AddTensor("big", GgmlType.I8, [1UL << 20, BigBytes >> 20], stream =>
            {
                for (ulong written = 0; written < BigBytes; written += (ulong)zeros.Length)
                    stream.Write(zeros);
            })
            .AddTensor("tail", GgmlType.F32, [8], System.Runtime.InteropServices.MemoryMarshal.AsBytes(tail.AsSpan()).ToArray());
        var layout = writer.ComputeLayout();
        Assert.Equal(BigBytes, layout.TensorOffsets[1]);

        using (var sparse = new SparseFileStream(path))
            writer.WriteTo(sparse);
        Assert.Equal(layout.TotalBytes, new FileInfo(path).Length);
        Assert.True(layout.TotalBytes > (long)uint.MaxValue);

        using (var file = GgufFile.Open(path))
        {
            var big = file.GetTensor("big");
            Assert.Equal(BigBytes, big.ByteSize);
            Assert.Equal(BigBytes, file.GetTensor("tail").Offset);
            Assert.Equal(tail, file.ReadFloat32("tail"));
            Assert.Throws<NotSupportedException>(() => file.GetTensorData(big));
            Assert.Equal(0, file.GetTensorPointer(big)[BigBytes - 1]);
        }

        var native = NativeGguf.Read(path, withData: false);
        Assert.Equal((ulong)layout.DataOffset, native.DataOffset);
        Assert.Equal(BigBytes, native.Tensors[1].Offset);
        Assert.Equal(BigBytes, native.Tensors[0].Size);
    }

    /// <summary>Writes non-zero blocks and skips over zero blocks, leaving holes.</summary>
    private sealed class SparseFileStream(string path) : Stream
    {
        private readonly FileStream _file = new(path, FileMode.Create, FileAccess.Write);
        private long _position;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (buffer.IndexOfAnyExcept((byte)0) < 0)
                _file.Seek(buffer.Length, SeekOrigin.Current);
            else
                _file.Write(buffer);
            _position += buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _position;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() => _file.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _file.SetLength(_position);
                _file.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
