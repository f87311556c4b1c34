using System.Buffers.Binary;
using System.Text;

namespace DynamicCot.Tests.Shared;

/// <summary>Small files written byte by byte, for cases libvips' encoders cannot make (or must not be trusted to).</summary>
internal static class HandMadeImages
{
    /// <summary>An animated GIF89a of <paramref name="frames"/> solid-colour frames, each <paramref name="size"/>² pixels.</summary>
    public static byte[] AnimatedGif(int size, params (byte R, byte G, byte B)[] frames)
    {
        var gif = new List<byte>();
        gif.AddRange("GIF89a"u8.ToArray());
        AddUInt16(gif, size);
        AddUInt16(gif, size);
        gif.Add(0b1111_0001); // global colour table of 4 entries, 8-bit colour resolution
        gif.Add(0); // background index
        gif.Add(0); // aspect ratio
        for (var i = 0; i < 4; i++)
        {
            var (r, g, b) = i < frames.Length ? frames[i] : ((byte)0, (byte)0, (byte)0);
            gif.AddRange([r, g, b]);
        }
        // NETSCAPE2.0 loop extension, so decoders treat it as an animation.
        gif.AddRange([0x21, 0xFF, 11]);
        gif.AddRange("NETSCAPE2.0"u8.ToArray());
        gif.AddRange([3, 1, 0, 0, 0]);
        for (var frame = 0; frame < frames.Length; frame++)
        {
            gif.AddRange([0x21, 0xF9, 4, 0b0000_0100, 10, 0, 0, 0]); // graphic control: keep previous, 100 ms
            gif.Add(0x2C);
            AddUInt16(gif, 0);
            AddUInt16(gif, 0);
            AddUInt16(gif, size);
            AddUInt16(gif, size);
            gif.Add(0); // no local colour table, not interlaced
            gif.Add(2); // LZW minimum code size
            var data = SolidLzw((byte)frame, size * size);
            for (var offset = 0; offset < data.Length; offset += 255)
            {
                var length = Math.Min(255, data.Length - offset);
                gif.Add((byte)length);
                gif.AddRange(data.AsSpan(offset, length).ToArray());
            }
            gif.Add(0);
        }
        gif.Add(0x3B);
        return gif.ToArray();
    }

    /// <summary>
    /// LZW data for <paramref name="count"/> pixels of one colour index, written the simplest valid way: a clear code
    /// before every literal, so the code table never grows and every code stays 3 bits wide.
    /// </summary>
    private static byte[] SolidLzw(byte index, int count)
    {
        const int clear = 4, end = 5, width = 3;
        var bits = new List<bool>();
        void Emit(int code)
        {
            for (var bit = 0; bit < width; bit++)
                bits.Add(((code >> bit) & 1) == 1);
        }
        for (var i = 0; i < count; i++)
        {
            Emit(clear);
            Emit(index);
        }
        Emit(end);
        var bytes = new byte[(bits.Count + 7) / 8];
        for (var i = 0; i < bits.Count; i++)
            if (bits[i])
                bytes[i / 8] |= (byte)(1 << (i % 8));
        return bytes;
    }

    /// <summary>A valid PNG signature and header declaring <paramref name="width"/>×<paramref name="height"/>, with one tiny data chunk.</summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        var png = new List<byte>();
        png.AddRange(DynamicCot.Inference.Images.ImageFormatSniffer.PngSignature.ToArray());
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // RGB
        AddChunk(png, "IHDR", header);
        AddChunk(png, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        AddChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>
    /// <paramref name="png"/> with a private ancillary chunk (<c>paDd</c>: lower-case first letter = ancillary, second =
    /// private) of <paramref name="bytes"/> zero bytes after its header: decoders skip it, so the file decodes as before
    /// but is that much larger.
    /// </summary>
    public static byte[] WithPaddingChunk(byte[] png, int bytes)
    {
        const int afterHeader = 8 + 4 + 4 + 13 + 4; // signature, then IHDR's length, type, data and CRC
        var chunk = new List<byte>(bytes + 12);
        AddChunk(chunk, "paDd", new byte[bytes]);
        return [.. png.AsSpan(0, afterHeader), .. chunk, .. png.AsSpan(afterHeader)];
    }

    /// <summary>A 2×2 24-bit BMP.</summary>
    public static byte[] Bmp()
    {
        var bmp = new byte[54 + 16];
        "BM"u8.CopyTo(bmp);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(2), bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), 2);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), 2);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bmp.AsSpan(28), 24);
        return bmp;
    }

    /// <summary>
    /// <paramref name="jpeg"/> with an EXIF APP1 segment carrying only Orientation = <paramref name="orientation"/>,
    /// inserted right after the start-of-image marker.
    /// </summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        var tiff = new byte[8 + 2 + 12 + 4];
        "II*\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteInt32LittleEndian(tiff.AsSpan(4), 8); // IFD0 offset
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), 1); // one entry
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(10), 0x0112); // Orientation
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(12), 3); // SHORT
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(14), 1); // count
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(18), orientation);
        // next-IFD offset (last 4 bytes) stays 0
        var payload = Encoding.ASCII.GetBytes("Exif\0\0").Concat(tiff).ToArray();
        var segment = new byte[4 + payload.Length];
        segment[0] = 0xFF;
        segment[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(payload.Length + 2));
        payload.CopyTo(segment, 4);
        return [.. jpeg.AsSpan(0, 2), .. segment, .. jpeg.AsSpan(2)];
    }

    /// <summary>
    /// <paramref name="png"/> with the CRC of its first IDAT chunk wrong: every pixel is intact, but a strict
    /// decoder reports the chunk as corrupt.
    /// </summary>
    public static byte[] WithBadDataChecksum(byte[] png)
    {
        var damaged = png.ToArray();
        var offset = 8; // past the signature
        while (offset + 8 <= damaged.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(damaged.AsSpan(offset));
            if (damaged.AsSpan(offset + 4, 4).SequenceEqual("IDAT"u8))
            {
                damaged[offset + 8 + length] ^= 0xFF; // first byte of the CRC
                return damaged;
            }
            offset += 12 + length;
        }
        throw new ArgumentException("No IDAT chunk found.", nameof(png));
    }

    private static void AddUInt16(List<byte> bytes, int value)
    {
        bytes.Add((byte)value);
        bytes.Add((byte)(value >> 8));
    }

    private static void AddChunk(List<byte> png, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.AddRange(length);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.AddRange(typeAndData);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        png.AddRange(crc);
    }

    /// <summary>The CRC-32 (ISO-HDLC, reflected 0xEDB88320) that PNG chunks carry.</summary>
    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }
}
