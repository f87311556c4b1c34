namespace DynamicCot.Finetune.Torch;

/// <summary>
/// The bilinear resize mtmd applies to Qwen-VL images in the llama.cpp that LLamaSharp 0.30 ships, reproduced so the
/// trained vision tower sees the served pixels: corner-aligned sampling (output pixel i reads input position
/// i·(in−1)/(out−1), so both edges map onto the edge pixels), single-precision interpolation along x then y, and the
/// result truncated to 8 bits. No library resizes this way (Pillow, libvips and ImageSharp sample pixel centres and
/// round), hence this file. Measured: the tower on these pixels gives mtmd's embeddings of real photos it had to
/// shrink to the exact-size parity level (max |Δ| ≈ 1e-3; Pillow-style bicubic left 0.36–0.53).
/// </summary>
public static class CornerAlignedBilinear
{
    public static byte[] Resize(ReadOnlySpan<byte> rgb, int width, int height, int targetWidth, int targetHeight)
    {
        if (width <= 0 || height <= 0 || rgb.Length != (long)width * height * 3)
            throw new ArgumentException($"{rgb.Length} bytes for {width}×{height} RGB pixels.", nameof(rgb));
        ArgumentOutOfRangeException.ThrowIfLessThan(targetWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetHeight, 1);
        if (width == targetWidth && height == targetHeight)
            return rgb.ToArray();
        var result = new byte[targetWidth * targetHeight * 3];
        var xRatio = targetWidth > 1 ? (float)(width - 1) / (targetWidth - 1) : 0f;
        var yRatio = targetHeight > 1 ? (float)(height - 1) / (targetHeight - 1) : 0f;
        for (var y = 0; y < targetHeight; y++)
        {
            var py = y * yRatio;
            var y0 = Math.Min((int)py, height - 1);
            var y1 = Math.Min(y0 + 1, height - 1);
            var fy = py - y0;
            for (var x = 0; x < targetWidth; x++)
            {
                var px = x * xRatio;
                var x0 = Math.Min((int)px, width - 1);
                var x1 = Math.Min(x0 + 1, width - 1);
                var fx = px - x0;
                for (var c = 0; c < 3; c++)
                {
                    float p00 = rgb[(y0 * width + x0) * 3 + c], p10 = rgb[(y0 * width + x1) * 3 + c];
                    float p01 = rgb[(y1 * width + x0) * 3 + c], p11 = rgb[(y1 * width + x1) * 3 + c];
                    var top = p00 + (p10 - p00) * fx;
                    var bottom = p01 + (p11 - p01) * fx;
                    result[(y * targetWidth + x) * 3 + c] = (byte)(top + (bottom - top) * fy);
                }
            }
        }
        return result;
    }
}
