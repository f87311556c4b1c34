namespace DynamicCot.Keyphrases.Images;

/// <summary>The image formats the decoder accepts.</summary>
public enum ImageFormat
{
    Jpeg,
    Png,
    WebP,
    Gif,
}
