using DynamicCot.Finetune.Training;

namespace DynamicCot.Finetune.Tests.Training;

public sealed class LearningRateScheduleTests
{
    [Fact]
    public void Warm_up_is_linear_then_cosine_reaches_the_floor_at_the_last_step()
    {
        var schedule = new LearningRateSchedule(peakLearningRate: 1e-3, totalSteps: 14, warmupSteps: 4, minLearningRate: 1e-4);
        Assert.Equal(0.25e-3, schedule.At(0), 12);
        Assert.Equal(0.50e-3, schedule.At(1), 12);
        Assert.Equal(1.00e-3, schedule.At(3), 12);
        Assert.Equal(1.00e-3, schedule.At(4), 12);           // first decay step: cos(0)
        // Halfway through the 10 decay steps (progress 4.5/9 is between steps 8 and 9): check both neighbours.
        Assert.Equal(1e-4 + 0.9e-3 * 0.5 * (1 + Math.Cos(Math.PI * 4 / 9)), schedule.At(8), 12);
        Assert.Equal(1e-4 + 0.9e-3 * 0.5 * (1 + Math.Cos(Math.PI * 5 / 9)), schedule.At(9), 12);
        Assert.Equal(1e-4, schedule.At(13), 12);
        Assert.Equal(1e-4, schedule.At(100), 12);
        for (var step = 4; step < 13; step++)
            Assert.True(schedule.At(step + 1) < schedule.At(step));
    }

    [Fact]
    public void Without_warm_up_the_first_step_uses_the_peak_and_bad_settings_are_refused()
    {
        var schedule = new LearningRateSchedule(2e-4, totalSteps: 3);
        Assert.Equal(2e-4, schedule.At(0), 15);
        Assert.Equal(1e-4, schedule.At(1), 15);
        Assert.Equal(0, schedule.At(2), 15);
        Assert.Equal(2e-4, new LearningRateSchedule(2e-4, totalSteps: 1).At(0), 15);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LearningRateSchedule(0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LearningRateSchedule(1e-3, 10, warmupSteps: 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LearningRateSchedule(1e-3, 10, minLearningRate: 2e-3));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.At(-1));
    }
}

public sealed class LearningRateScheduleFromRatiosTests
{
    [Fact]
    public void Ratios_round_warm_up_up_and_scale_the_floor()
    {
        var schedule = LearningRateSchedule.FromRatios(1e-4, totalSteps: 100, warmupRatio: 0.03, minRatio: 0.1);
        Assert.Equal(3, schedule.WarmupSteps);
        Assert.Equal(1e-5, schedule.MinLearningRate, 15);
        Assert.Equal(1e-4 / 3, schedule.At(0), 15);
        Assert.Equal(1e-5, schedule.At(99), 15);
        Assert.Equal(1, LearningRateSchedule.FromRatios(1e-4, 10, 0.01, 0).WarmupSteps);
    }
}
