using DynamicCot.Keyphrases.Reports;

namespace DynamicCot.Finetune.Training;

/// <summary>Pictures of a run from its <c>metrics.jsonl</c>: the loss curve (per step and per-epoch mean).</summary>
public static class TrainingReport
{
    public const string LossCurveFileName = "loss.svg";

    /// <summary>Writes <c>RUN_DIR/loss.svg</c>; returns its path, or null when there is nothing to plot yet.</summary>
    public static string? WriteLossCurve(string runDirectory)
    {
        var metricsPath = Path.Combine(runDirectory, MetricsLog.FileName);
        if (!File.Exists(metricsPath))
            return null;
        var metrics = MetricsLog.Read(metricsPath);
        if (metrics.Steps.Count == 0)
            return null;
        var series = new List<LineSeries>
        {
            new("loss per step", metrics.Steps.Select(s => ((double)s.Step, s.Loss)).ToArray()),
        };
        var epochs = metrics.Epochs.Where(e => e.MeanLoss is not null).Select(e => ((double)e.Step, e.MeanLoss!.Value)).ToArray();
        if (epochs.Length > 0)
            series.Add(new LineSeries("epoch mean", epochs));
        var path = Path.Combine(runDirectory, LossCurveFileName);
        new SvgLineChart
        {
            Title = $"Training loss — {Path.GetFileName(Path.GetFullPath(runDirectory))}",
            Series = series,
            XLabel = "optimizer step",
            YLabel = "cross-entropy on answer tokens",
            YMin = 0,
        }.Save(path);
        return path;
    }
}
