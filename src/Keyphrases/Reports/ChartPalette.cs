namespace DynamicCot.Keyphrases.Reports;

/// <summary>Series colours: distinguishable, and still distinguishable for the common colour-vision deficiencies (Okabe–Ito).</summary>
public static class ChartPalette
{
    private static readonly string[] Colours = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

    public static string Colour(int index) => Colours[((index % Colours.Length) + Colours.Length) % Colours.Length];
}
