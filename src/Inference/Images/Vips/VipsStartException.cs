namespace DynamicCot.Inference.Images.Vips;

/// <summary>libvips could not be loaded or started, or it is not the build the decoder was made for.</summary>
public sealed class VipsStartException : Exception, DynamicCot.Keyphrases.IUserFacingError
{
    public VipsStartException(string message, Exception? inner = null) : base(message, inner) { }
}
