using DynamicCot.ModelFiles.Tests.Quantization;
using DynamicCot.Quantize.Commands;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Quantize.Tests.Commands;

[Collection(ConsoleCollection.Name)]
public sealed class QuantizeCommandTests(QuantizationModels models) : IClassFixture<QuantizationModels>
{
    [Fact]
    public void Quantize_prints_the_types_llama_cpp_chose_and_inspect_shows_them()
    {
        var output = Path.Combine(models.Folder, "cli-q4_k_m.gguf");
        var run = InProcessCli.Run(QuantizeCommand.Create(), "quantize", models.F32, output, "--type", "q4_k_m", "--threads", "2");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("q6_K", run.Stdout);
        Assert.Contains("q4_K", run.Stdout);

        var inspect = InProcessCli.Run(InspectCommand.Create(), "inspect", output);
        Assert.True(inspect.ExitCode == 0, inspect.Stderr);
        var line = inspect.Stdout.Split('\n').Single(l => l.Contains("blk.1.ffn_down.weight"));
        Assert.Contains("q6_K", line);
        Assert.Contains("q4_K", inspect.Stdout.Split('\n').Single(l => l.Contains("blk.0.ffn_down.weight")));
    }

    [Fact]
    public void Bad_input_exits_with_a_message_naming_the_file()
    {
        var run = InProcessCli.Run(QuantizeCommand.Create(), "quantize", models.ProjectorF32, Path.Combine(models.Folder, "x.gguf"), "--type", "q8_0");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(Path.GetFileName(models.ProjectorF32), run.Stderr);
        Assert.DoesNotContain("internal error", run.Stderr);
    }
}
