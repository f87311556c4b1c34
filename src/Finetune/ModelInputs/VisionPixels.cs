namespace DynamicCot.Finetune.ModelInputs;

/// <summary>
/// An image resized for the vision tower (RGB bytes, rows top to bottom, sides multiples of the token side), kept with
/// a training example so that the tower can embed it inside the forward pass when it is trained.
/// </summary>
public sealed record VisionPixels(byte[] Rgb, int Width, int Height, string Label)
{
    /// <summary>Merged-token columns and rows.</summary>
    public (int Columns, int Rows) Grid(int tokenPixels) => (Width / tokenPixels, Height / tokenPixels);
}
