namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>
/// The GPT-2 byte-to-unicode table byte-level BPE works in: every byte becomes one printable character so that
/// tokens are plain strings. Bytes that are printable Latin-1 (<c>!</c>..<c>~</c>, <c>¡</c>..<c>¬</c>,
/// <c>®</c>..<c>ÿ</c>) map to themselves; the other 68 bytes map, in increasing order, to U+0100 onwards
/// (so the space byte becomes <c>Ġ</c>, newline <c>Ċ</c>).
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToCharTable = BuildTable();
    private static readonly Dictionary<char, byte> CharToByteTable = BuildReverse();

    /// <summary>The 256 byte characters in GPT-2 order: printable bytes first, then the remapped ones.</summary>
    public static IReadOnlyList<char> OrderedCharacters { get; } = BuildOrdered();

    public static char ByteToChar(byte value) => ByteToCharTable[value];

    public static bool TryCharToByte(char character, out byte value) => CharToByteTable.TryGetValue(character, out value);

    /// <summary>Maps UTF-8 bytes to their byte-level string.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (destination, source) =>
        {
            for (int i = 0; i < source.Length; i++)
                destination[i] = ByteToCharTable[source[i]];
        });
    }

    private static bool IsPrintable(int value) => value is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;

    private static char[] BuildTable()
    {
        var table = new char[256];
        int next = 256;
        for (int value = 0; value < 256; value++)
            table[value] = IsPrintable(value) ? (char)value : (char)next++;
        return table;
    }

    private static Dictionary<char, byte> BuildReverse()
    {
        var reverse = new Dictionary<char, byte>(256);
        for (int value = 0; value < 256; value++)
            reverse[ByteToCharTable[value]] = (byte)value;
        return reverse;
    }

    private static char[] BuildOrdered() =>
        Enumerable.Range(0, 256).Where(IsPrintable).Concat(Enumerable.Range(0, 256).Where(value => !IsPrintable(value)))
            .Select(value => ByteToCharTable[value]).ToArray();
}
