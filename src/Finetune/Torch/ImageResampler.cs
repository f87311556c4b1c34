namespace DynamicCot.Finetune.Torch;

/// <summary>The resampling filter of <see cref="ImageResampler"/>.</summary>
public enum ResampleFilter
{
    /// <summary>Triangle filter (support 1), widened when shrinking.</summary>
    Bilinear,
    /// <summary>Cubic convolution with a = −0.5 (support 2), widened when shrinking.</summary>
    Bicubic,
}

/// <summary>
/// Resizes 8-bit RGB pixels the way Pillow's <c>Image.resize</c> does and mtmd's image tools copy: two separable
/// passes (rows, then columns) with an 8-bit result after each; every output pixel's weights are the filter sampled
/// at the input pixel centres, widened by the shrink factor, normalised and stored as 22-bit fixed point, and the sum
/// is rounded half up. Exact integer arithmetic, so the same bytes come out as in the served engine.
/// </summary>
public static class ImageResampler
{
    private const int PrecisionBits = 32 - 8 - 2;

    public static byte[] Resize(ReadOnlySpan<byte> rgb, int width, int height, int targetWidth, int targetHeight, ResampleFilter filter)
    {
        if (rgb.Length != (long)width * height * 3)
            throw new ArgumentException($"{rgb.Length} bytes for {width}×{height} RGB pixels.", nameof(rgb));
        ArgumentOutOfRangeException.ThrowIfLessThan(targetWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetHeight, 1);
        if (width == targetWidth && height == targetHeight)
            return rgb.ToArray();
        var rows = Weights(width, targetWidth, filter);
        var horizontal = new byte[targetWidth * height * 3];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < targetWidth; x++)
                for (var c = 0; c < 3; c++)
                {
                    var (first, kernel) = rows[x];
                    var sum = 1 << (PrecisionBits - 1);
                    for (var k = 0; k < kernel.Length; k++)
                        sum += rgb[(y * width + first + k) * 3 + c] * kernel[k];
                    horizontal[(y * targetWidth + x) * 3 + c] = Clip(sum);
                }
        var columns = Weights(height, targetHeight, filter);
        var result = new byte[targetWidth * targetHeight * 3];
        for (var y = 0; y < targetHeight; y++)
        {
            var (first, kernel) = columns[y];
            for (var x = 0; x < targetWidth; x++)
                for (var c = 0; c < 3; c++)
                {
                    var sum = 1 << (PrecisionBits - 1);
                    for (var k = 0; k < kernel.Length; k++)
                        sum += horizontal[((first + k) * targetWidth + x) * 3 + c] * kernel[k];
                    result[(y * targetWidth + x) * 3 + c] = Clip(sum);
                }
        }
        return result;
    }

    /// <summary>For each output pixel along one axis: the first input pixel it reads and its fixed-point weights.</summary>
    private static (int First, int[] Kernel)[] Weights(int inSize, int outSize, ResampleFilter filter)
    {
        var support = filter == ResampleFilter.Bilinear ? 1.0 : 2.0;
        var scale = (double)inSize / outSize;
        var filterScale = Math.Max(1.0, scale);
        support *= filterScale;
        var result = new (int, int[])[outSize];
        for (var o = 0; o < outSize; o++)
        {
            var center = (o + 0.5) * scale;
            var first = Math.Max(0, (int)(center - support + 0.5));
            var last = Math.Min(inSize, (int)(center + support + 0.5));
            var weights = new double[last - first];
            double total = 0;
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] = Filter(filter, (first + i - center + 0.5) / filterScale);
                total += weights[i];
            }
            var kernel = new int[weights.Length];
            for (var i = 0; i < weights.Length; i++)
            {
                var w = total != 0 ? weights[i] / total : weights[i];
                // Half away from zero, then truncation: Pillow's rounding of the weights.
                kernel[i] = (int)(w * (1 << PrecisionBits) + (w < 0 ? -0.5 : 0.5));
            }
            result[o] = (first, kernel);
        }
        return result;
    }

    private static double Filter(ResampleFilter filter, double x)
    {
        x = Math.Abs(x);
        if (filter == ResampleFilter.Bilinear)
            return x < 1 ? 1 - x : 0;
        const double a = -0.5;
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }

    private static byte Clip(int sum)
    {
        var value = sum >> PrecisionBits;
        return (byte)Math.Clamp(value, 0, 255);
    }
}
