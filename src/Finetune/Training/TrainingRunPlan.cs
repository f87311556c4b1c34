using System.Text.Json.Nodes;

namespace DynamicCot.Finetune.Training;

/// <summary>The worker's first structured event: how much work the run is, so the parent can size its progress bar.</summary>
public static class TrainingRunPlan
{
    public const string Kind = "plan";

    public static TrainingEvent Create(int posts, int stepsPerEpoch, long totalSteps, long startStep) => new(Kind, new JsonObject
    {
        ["posts"] = posts, ["steps_per_epoch"] = stepsPerEpoch, ["total_steps"] = totalSteps, ["start_step"] = startStep,
    });
}
