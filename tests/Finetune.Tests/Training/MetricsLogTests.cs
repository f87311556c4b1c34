using DynamicCot.Finetune.Training;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Training;

public sealed class MetricsLogTests : IDisposable
{
    private readonly TempFolder _run = TestPaths.NewTempFolder("dynamiccot-metrics");

    [Fact]
    public void Lines_are_written_as_they_happen_and_read_back()
    {
        using (var log = MetricsLog.Open(_run.Path))
        {
            log.Append(new StepMetrics(1, 1, 2.5, 1e-4, TokensPerSecond: 812.5, StepSeconds: 0.4, Extra: new Dictionary<string, double> { ["grad_norm"] = 1.25 }));
            // Visible on disk before the log is closed: a crash keeps it.
            var line = File.ReadAllLines(Path.Combine(_run.Path, MetricsLog.FileName)).Single();
            Assert.StartsWith("{\"type\":\"step\",\"step\":1,\"epoch\":1,\"loss\":2.5,\"lr\":0.0001,\"tokens_per_second\":812.5", line);
            log.Append(new StepMetrics(2, 1, double.NaN, 2e-4));
            log.Append(new EpochMetrics(1, 2, Cot: 31, Sft: 12, FallbackSft: 7, MeanLoss: 2.2));
        }
        var lines = File.ReadAllLines(Path.Combine(_run.Path, MetricsLog.FileName));
        Assert.StartsWith("{\"type\":\"epoch\",\"epoch\":1,\"step\":2,\"cot\":31,\"sft\":12,\"fallback_sft\":7,\"mean_loss\":2.2", lines[2]);

        var read = MetricsLog.Read(Path.Combine(_run.Path, MetricsLog.FileName));
        Assert.Equal(2, read.Steps.Count);
        Assert.Equal(812.5, read.Steps[0].TokensPerSecond);
        Assert.Equal(1.25, read.Steps[0].Extra!["grad_norm"]);
        Assert.True(double.IsNaN(read.Steps[1].Loss));
        Assert.Equal((31, 12, 7), (read.Epochs[0].Cot, read.Epochs[0].Sft, read.Epochs[0].FallbackSft));
    }

    [Fact]
    public void Resume_drops_records_after_the_checkpoint_step_and_a_torn_last_line()
    {
        var path = Path.Combine(_run.Path, MetricsLog.FileName);
        using (var log = MetricsLog.Open(_run.Path))
        {
            for (var step = 1; step <= 6; step++)
                log.Append(new StepMetrics(step, step <= 3 ? 1 : 2, 3.0 / step, 1e-4));
            log.Append(new EpochMetrics(1, 3, 1, 2, 0));
        }
        File.AppendAllText(path, "{\"type\":\"step\",\"step\":7,\"ep"); // the crash hit mid-line

        Assert.Equal(6, MetricsLog.Read(path).Steps.Count);
        using (var log = MetricsLog.Open(_run.Path, resumeAfterStep: 4))
            log.Append(new StepMetrics(5, 2, 0.5, 1e-4));
        var read = MetricsLog.Read(path);
        Assert.Equal([1L, 2, 3, 4, 5], read.Steps.Select(s => s.Step));
        Assert.Equal(0.5, read.Steps[^1].Loss);
        Assert.Single(read.Epochs);

        File.WriteAllText(path, "{\"type\":\"step\",\"step\":1,\"epoch\":1,\"loss\":1,\"lr\":1}\nnot json\n{\"type\":\"step\",\"step\":2,\"epoch\":1,\"loss\":1,\"lr\":1}\n");
        var error = Assert.Throws<MetricsLogFormatException>(() => MetricsLog.Read(path));
        Assert.Equal(2, error.Line);
        Assert.Contains(MetricsLog.FileName + ":2", error.Message);
    }

    public void Dispose() => _run.Dispose();
}
