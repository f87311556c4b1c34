namespace DynamicCot.Keyphrases.Reports;

/// <summary>A one-row legend (wrapping to more rows when the names do not fit): colour swatch and series name.</summary>
internal static class ChartLegend
{
    public static void Draw(SvgCanvas svg, IReadOnlyList<string> names, double left, double top, double width)
    {
        svg.StartGroup("legend");
        double x = left, y = top;
        for (var i = 0; i < names.Count; i++)
        {
            // Helvetica at 12 px averages about 6.5 px per character; exact metrics need a font engine.
            var itemWidth = 18 + names[i].Length * 6.5 + 16;
            if (x > left && x + itemWidth > left + width)
            {
                x = left;
                y += 16;
            }
            svg.Rect(x, y - 10, 12, 12, ChartPalette.Colour(i));
            svg.Text(x + 18, y, names[i], 12);
            x += itemWidth;
        }
        svg.EndGroup();
    }
}

/// <summary>Writes a chart as a UTF-8 file (no byte-order mark), creating its folder.</summary>
internal static class ChartFile
{
    public static void Write(string path, string svg)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, svg, new System.Text.UTF8Encoding(false));
    }
}
