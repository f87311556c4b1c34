namespace DynamicCot.Inference.Images;

/// <summary>The image formats the decoder accepts.</summary>
public enum ImageFormat
{
    Jpeg,
    Png,
    WebP,
    Gif,
}
