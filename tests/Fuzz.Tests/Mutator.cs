using System.Buffers.Binary;

namespace DynamicCot.Fuzz.Tests;

/// <summary>
/// A plain seeded mutator in the style of libFuzzer's default mutations, without coverage feedback: bit flips,
/// interesting bytes and integers (little- and big-endian, where lengths, counts and dimensions live), inserted,
/// erased and duplicated ranges, truncation, and splices of two corpus entries. Same seed, same sequence.
/// </summary>
public sealed class Mutator(int seed)
{
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7F, 0x80, 0xFF, (byte)'{', (byte)'"', (byte)'\n', (byte)','];
    private static readonly long[] InterestingIntegers = [0, 1, -1, 2, 255, 256, 65535, 65536, int.MaxValue, int.MinValue, uint.MaxValue, long.MaxValue, 40_000, 1 << 20];

    public Random Random { get; } = new(seed);

    /// <summary>One to eight mutations of <paramref name="input"/>, sometimes spliced with <paramref name="other"/>.</summary>
    public byte[] Mutate(byte[] input, byte[] other)
    {
        var data = new List<byte>(input);
        var rounds = 1 + Random.Next(8);
        for (var round = 0; round < rounds; round++)
            MutateOnce(data, other);
        return [.. data];
    }

    private void MutateOnce(List<byte> data, byte[] other)
    {
        if (data.Count == 0)
        {
            data.Add((byte)Random.Next(256));
            return;
        }
        var at = Random.Next(data.Count);
        switch (Random.Next(10))
        {
            case 0:
                data[at] ^= (byte)(1 << Random.Next(8));
                break;
            case 1:
                data[at] = InterestingBytes[Random.Next(InterestingBytes.Length)];
                break;
            case 2:
                data[at] = (byte)Random.Next(256);
                break;
            case 3 or 4:
                WriteInteger(data, at);
                break;
            case 5:
                data.RemoveRange(at, Math.Min(data.Count - at, 1 + Random.Next(Math.Max(1, data.Count / 8))));
                break;
            case 6:
                data.InsertRange(at, Enumerable.Range(0, 1 + Random.Next(64)).Select(_ => (byte)Random.Next(256)));
                break;
            case 7:
                var start = Random.Next(data.Count);
                var length = Math.Min(data.Count - start, 1 + Random.Next(256));
                data.InsertRange(at, data.GetRange(start, length));
                break;
            case 8:
                data.RemoveRange(at, data.Count - at); // truncation, as of a half-finished upload
                break;
            default:
                if (other.Length > 0)
                {
                    var from = Random.Next(other.Length);
                    var count = Math.Min(other.Length - from, 1 + Random.Next(512));
                    var cut = Math.Min(data.Count - at, count);
                    data.RemoveRange(at, cut);
                    data.InsertRange(at, other.AsSpan(from, count).ToArray());
                }
                break;
        }
    }

    private void WriteInteger(List<byte> data, int at)
    {
        var value = InterestingIntegers[Random.Next(InterestingIntegers.Length)] + Random.Next(-1, 2);
        var width = Random.Next(3) switch { 0 => 2, 1 => 4, _ => 8 };
        Span<byte> bytes = stackalloc byte[8];
        if (Random.Next(2) == 0) BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        else BinaryPrimitives.WriteInt64BigEndian(bytes, value << ((8 - width) * 8));
        for (var i = 0; i < width && at + i < data.Count; i++)
            data[at + i] = bytes[i];
    }
}
