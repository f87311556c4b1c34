using DynamicCot.Finetune.Commands;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Commands;

[Collection(ConsoleCollection.Name)]
public sealed class TrainCommandTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    public void An_image_budget_that_is_no_budget_is_refused_before_anything_is_read_or_written(string budget)
    {
        using var folder = TestPaths.NewTempFolder();
        var output = folder.File("run");

        // The checkpoint and dataset do not even exist: the budget is the first thing checked, not what `convert` finds later.
        var run = InProcessCli.Run(TrainCommand.Create(), "train", "--model", folder.File("no-checkpoint"), "--data", folder.File("no-posts.jsonl"),
            "--out", output, "--strategy", "sft", "--image-max-tokens", budget);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"--image-max-tokens {budget}: the image-token budget is -1 (the projector's default) or a positive number", run.Stderr);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any(), "nothing is written for a refused run");
    }
}
