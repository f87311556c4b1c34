namespace DynamicCot.Keyphrases.Reports;

/// <summary>"Nice" axis ticks (steps of 1, 2 or 5 × 10^n) spanning a data range, so labels read as round numbers.</summary>
public static class ChartAxis
{
    /// <summary>Tick values from a multiple of the step at or below <paramref name="min"/> to one at or above <paramref name="max"/>.</summary>
    public static IReadOnlyList<double> Ticks(double min, double max, int targetCount = 5)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max))
            throw new ArgumentException($"Axis range must be finite, got {min}..{max}.");
        if (max < min)
            (min, max) = (max, min);
        if (max == min)
            (min, max) = min == 0 ? (0, 1) : (min - Math.Abs(min) * 0.1, max + Math.Abs(max) * 0.1);
        var step = NiceStep((max - min) / Math.Max(1, targetCount));
        var first = Math.Floor(min / step) * step;
        var last = Math.Ceiling(max / step) * step;
        // Multiples of the step, rounded to its decimals so that 0.2 × 22 prints as 4.4, not 4.4000000000000004.
        var decimals = Math.Clamp(1 - (int)Math.Floor(Math.Log10(step)), 0, 15);
        var ticks = new List<double>();
        for (long index = (long)Math.Round(first / step); index <= (long)Math.Round(last / step); index++)
            ticks.Add(Math.Round(index * step, decimals));
        return ticks;
    }

    /// <summary>A label for a tick: no trailing zeros, at most the decimals the step needs.</summary>
    public static string Label(double value, IReadOnlyList<double> ticks)
    {
        var step = ticks.Count > 1 ? Math.Abs(ticks[1] - ticks[0]) : 1;
        var decimals = Math.Clamp((int)Math.Ceiling(-Math.Log10(step)), 0, 6);
        if (Math.Abs(value) >= 1e6 || (Math.Abs(value) < 1e-4 && value != 0))
            return value.ToString("0.##E+0", System.Globalization.CultureInfo.InvariantCulture);
        return Math.Round(value, decimals).ToString("0." + new string('#', Math.Max(decimals, 1)), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static double NiceStep(double rough)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var fraction = rough / magnitude;
        var nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * magnitude;
    }
}
