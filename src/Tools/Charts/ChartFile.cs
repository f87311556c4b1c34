using DynamicCot.Keyphrases.Data;
using ScottPlot;

namespace DynamicCot.Tools.Charts;

/// <summary>The two files a chart is saved as: a PNG to look at and an SVG to scale or edit.</summary>
public sealed record ChartFiles(string Png, string Svg);

/// <summary>Saves ScottPlot charts as PNG and SVG, each written atomically (no half-written image after a crash).</summary>
public static class ChartFile
{
    public const int DefaultWidth = 960;
    public const int DefaultHeight = 540;

    /// <summary>Writes <c>PATH.png</c> and <c>PATH.svg</c>; an extension on <paramref name="path"/> is replaced.</summary>
    public static ChartFiles Save(Plot plot, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(plot);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 200);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 150);
        var files = new ChartFiles(Path.ChangeExtension(path, ".png"), Path.ChangeExtension(path, ".svg"));
        AtomicFile.WriteAllBytes(files.Png, plot.GetImageBytes(width, height, ImageFormat.Png));
        AtomicFile.WriteAllText(files.Svg, plot.GetSvgXml(width, height));
        return files;
    }
}

/// <summary>What every chart shares: readable type sizes and colours that stay distinct for colour-blind readers.</summary>
internal static class ChartStyle
{
    // Okabe–Ito: distinguishable with the common colour-vision deficiencies.
    private static readonly string[] Hex = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

    public static Color Colour(int index) => Color.FromHex(Hex[((index % Hex.Length) + Hex.Length) % Hex.Length]);

    public static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        // The system's sans-serif face (DejaVu Sans on Debian); labels are the point of these charts.
        plot.Font.Set("DejaVu Sans");
        plot.Title(title, 20);
        plot.XLabel(xLabel, 15);
        plot.YLabel(yLabel, 15);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Left.TickLabelStyle.FontSize = 13;
        plot.Legend.FontSize = 13;
        return plot;
    }
}
