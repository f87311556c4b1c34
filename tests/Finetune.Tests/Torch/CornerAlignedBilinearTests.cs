using DynamicCot.Finetune.Torch;

namespace DynamicCot.Finetune.Tests.Torch;

/// <summary>The properties that set mtmd's bilinear apart from centre-sampling resizers.</summary>
public sealed class CornerAlignedBilinearTests
{
    private static byte[] Gray(params byte[] values) => values.SelectMany(v => new[] { v, v, v }).ToArray();

    [Fact]
    public void Edges_map_onto_the_edge_pixels_and_the_middle_is_truncated_not_rounded()
    {
        // 2 → 3 pixels: outputs sample 0, 0.5 and 1; 0.5 between 0 and 255 is 127.5, kept as 127.
        var result = CornerAlignedBilinear.Resize(Gray(0, 255), 2, 1, 3, 1);
        Assert.Equal(Gray(0, 127, 255), result);
    }

    [Fact]
    public void Shrinking_keeps_both_corner_pixels()
    {
        // 5 → 2 pixels: a centre-sampling filter would blend; corner alignment reads pixels 0 and 4 exactly.
        var result = CornerAlignedBilinear.Resize(Gray(10, 20, 30, 40, 50), 5, 1, 2, 1);
        Assert.Equal(Gray(10, 50), result);
    }

    [Fact]
    public void Pixels_that_do_not_fit_the_size_are_refused()
    {
        Assert.Throws<ArgumentException>(() => CornerAlignedBilinear.Resize(new byte[5], 2, 1, 3, 1));
    }
}
