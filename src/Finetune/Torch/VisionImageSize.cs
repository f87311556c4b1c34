namespace DynamicCot.Finetune.Torch;

/// <summary>
/// The size mtmd resizes an image to before the Qwen2-VL / Qwen2.5-VL / Qwen3-VL tower sees it ("smart resize"): each side is
/// rounded to the nearest multiple of the token side (patch × merge, 28 px); if that holds more pixels than the token
/// budget allows, both sides are scaled by √(w·h / max) and rounded down to the token side; if fewer than the minimum,
/// scaled up and rounded up. The arithmetic is single precision with halves rounded away from zero, as mtmd computes
/// it, so the token grid is the same for every image size. mtmd's default minimum for these projectors is 8 tokens.
/// </summary>
public static class VisionImageSize
{
    /// <summary>mtmd's lower bound on image tokens for Qwen2-VL / Qwen2.5-VL projectors when none is configured.</summary>
    public const int DefaultMinTokens = 8;

    public static (int Width, int Height) For(int width, int height, int tokenPixels, int maxTokens, int minTokens = DefaultMinTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenPixels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        long area = (long)tokenPixels * tokenPixels;
        var maxPixels = maxTokens * area;
        var minPixels = Math.Max(0, minTokens) * area;
        float factor = tokenPixels;
        int Round(float x) => (int)MathF.Round(x / factor, MidpointRounding.AwayFromZero) * tokenPixels;
        int Floor(float x) => (int)MathF.Floor(x / factor) * tokenPixels;
        int Ceil(float x) => (int)MathF.Ceiling(x / factor) * tokenPixels;

        var w = Math.Max(tokenPixels, Round(width));
        var h = Math.Max(tokenPixels, Round(height));
        if ((long)w * h > maxPixels)
        {
            var beta = MathF.Sqrt((float)height * width / maxPixels);
            h = Math.Max(tokenPixels, Floor(height / beta));
            w = Math.Max(tokenPixels, Floor(width / beta));
        }
        else if ((long)w * h < minPixels)
        {
            var beta = MathF.Sqrt(minPixels / ((float)height * width));
            h = Ceil(height * beta);
            w = Ceil(width * beta);
        }
        return (w, h);
    }
}
