namespace DynamicCot.Inference.Llama;

/// <summary>
/// Cheap checks on a model file before its path reaches native code, so that a wrong path or a file that is not
/// GGUF gives a clear error instead of a native failure.
/// </summary>
internal static class GgufFileCheck
{
    private static ReadOnlySpan<byte> Magic => "GGUF"u8;

    public static void EnsureLooksLikeGguf(string path, string what)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException($"The {what} path is empty.");
        if (!File.Exists(path))
            throw new FileNotFoundException($"The {what} file '{path}' does not exist.", path);
        Span<byte> header = stackalloc byte[8];
        int read;
        using (var stream = File.OpenRead(path))
            read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read < 8 || !header[..4].SequenceEqual(Magic))
            throw new InvalidDataException($"The {what} file '{path}' is not a GGUF file (it does not start with the GGUF magic).");
        var version = BitConverter.ToUInt32(header[4..]);
        if (version is < 2 or > 3)
            throw new InvalidDataException($"The {what} file '{path}' has GGUF version {version}; this engine reads versions 2 and 3.");
    }
}
