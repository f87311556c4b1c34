using DynamicCot.Tools.Charts;

namespace DynamicCot.Finetune.Training;

/// <summary>Pictures of a run from its <c>metrics.jsonl</c>: the loss curve (per step and per-epoch mean) with the
/// Dynamic CoT branch counts per epoch, as <c>loss.png</c> and <c>loss.svg</c>.</summary>
public static class TrainingReport
{
    public const string LossCurveFileName = "loss.svg";

    /// <summary>Writes <c>RUN_DIR/loss.png</c> and <c>RUN_DIR/loss.svg</c>; returns the SVG's path, or null when there is nothing to plot yet.</summary>
    public static string? WriteLossCurve(string runDirectory)
    {
        var metricsPath = Path.Combine(runDirectory, MetricsLog.FileName);
        if (!File.Exists(metricsPath))
            return null;
        var metrics = MetricsLog.Read(metricsPath);
        if (!metrics.Steps.Any(s => double.IsFinite(s.Loss)))
            return null;
        var path = Path.Combine(runDirectory, LossCurveFileName);
        LossChart.Save(path, $"Training loss — {Path.GetFileName(Path.GetFullPath(runDirectory))}",
            [.. metrics.Steps.Select(s => new LossPoint(s.Step, s.Loss))],
            [.. metrics.Epochs.Select(e => new EpochBranches(e.Epoch, e.Step, e.Cot, e.Sft, e.FallbackSft, e.MeanLoss))]);
        return path;
    }
}
