using System.Text;

namespace DynamicCot.Inference.Images;

/// <summary>
/// Decides the format from the file's leading bytes, never from its name or a declared content type. Only input that
/// passes here reaches libvips, so a BMP, SVG or PDF is refused before any native parser sees it.
/// </summary>
public static class ImageFormatSniffer
{
    /// <summary>The eight bytes every PNG starts with.</summary>
    public static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The accepted format of <paramref name="data"/>, or null with a short description of what it looks like instead.</summary>
    public static ImageFormat? Detect(ReadOnlySpan<byte> data, out string description)
    {
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
            return Accept(ImageFormat.Jpeg, out description);
        if (data.StartsWith(PngSignature))
            return Accept(ImageFormat.Png, out description);
        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data.Slice(8, 4).SequenceEqual("WEBP"u8))
            return Accept(ImageFormat.WebP, out description);
        if (data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8))
            return Accept(ImageFormat.Gif, out description);
        description = DescribeUnsupported(data);
        return null;
    }

    private static ImageFormat Accept(ImageFormat format, out string description)
    {
        description = format.ToString();
        return format;
    }

    /// <summary>Names common formats that are refused, so the error tells the user what they sent.</summary>
    private static string DescribeUnsupported(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith("BM"u8)) return "a BMP image";
        if (data.StartsWith("II*\0"u8) || data.StartsWith("MM\0*"u8)) return "a TIFF image";
        if (data.StartsWith("%PDF"u8)) return "a PDF document";
        if (data.StartsWith("8BPS"u8)) return "a Photoshop document";
        if (data.StartsWith(new byte[] { 0, 0, 1, 0 })) return "an ICO icon";
        if (data.StartsWith(new byte[] { 0xFF, 0x0A }) || data.StartsWith("\0\0\0\x0CJXL "u8)) return "a JPEG XL image";
        if (data.Length >= 12 && data.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            var brand = Encoding.ASCII.GetString(data.Slice(8, 4));
            return brand.StartsWith("avi", StringComparison.Ordinal) ? "an AVIF image"
                : brand.StartsWith("hei", StringComparison.Ordinal) || brand.StartsWith("mif", StringComparison.Ordinal) ? "a HEIC/HEIF image"
                : $"an ISO media file (brand '{brand}')";
        }
        var head = Encoding.UTF8.GetString(data[..Math.Min(data.Length, 512)]).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (head.StartsWith("<svg", StringComparison.OrdinalIgnoreCase)
            || (head.StartsWith("<?xml", StringComparison.OrdinalIgnoreCase) && head.Contains("<svg", StringComparison.OrdinalIgnoreCase)))
            return "an SVG image";
        if (head.StartsWith('<')) return "an HTML/XML document";
        return LooksLikeText(data) ? "text" : "an unrecognised binary format";
    }

    private static bool LooksLikeText(ReadOnlySpan<byte> data)
    {
        var sample = data[..Math.Min(data.Length, 512)];
        foreach (var b in sample)
            if (b < 0x09 || (b > 0x0D && b < 0x20 && b != 0x1B))
                return false;
        return true;
    }
}
