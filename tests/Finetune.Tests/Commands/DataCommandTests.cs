using System.Text.Json;
using DynamicCot.Finetune.Commands;
using DynamicCot.Keyphrases.Data;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Commands;

[Collection(ConsoleCollection.Name)]
public sealed class DataCommandTests
{
    [Fact]
    public void Imports_VMU_then_validates_it_with_its_images()
    {
        using var folder = TestPaths.NewTempFolder();
        var output = folder.File("vmu.jsonl");

        var import = InProcessCli.Run(DataCommand.Create(), "data", "import", "--format", "vmu",
            "--in", TestPaths.Data("vmu16_small_events", "data.jsonl"), "--out", output);
        Assert.Equal(0, import.ExitCode);
        Assert.Contains("imported 54 posts", import.Stdout);

        var validate = InProcessCli.Run(DataCommand.Create(), "data", "validate", "--data", output);
        Assert.Equal(0, validate.ExitCode);
        Assert.Contains("valid: 54 posts", validate.Stdout);
        Assert.Contains("54 with an image", validate.Stdout);
    }

    [Fact]
    public void Validate_reports_file_and_line_and_exits_1()
    {
        using var folder = TestPaths.NewTempFolder();
        var path = folder.File("bad.jsonl");
        File.WriteAllLines(path, ["""{"id":"a","text":"x","keyphrases":["k"]}""", """{"id":"b","text":"y","keyphrases":["k"],"lable":"oops"}"""]);

        var run = InProcessCli.Run(DataCommand.Create(), "data", "validate", "--data", path);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{path}:2: unknown field \"lable\"", run.Stderr);
    }

    [Fact]
    public void Unknown_import_format_is_rejected_by_the_parser()
    {
        var run = InProcessCli.Run(DataCommand.Create(), "data", "import", "--format", "csv", "--in", "x", "--out", "y");
        Assert.NotEqual(0, run.ExitCode);
    }

    [Fact]
    public void Overlap_of_CMKP_valid_with_the_train_sample_then_split_to_45_percent()
    {
        using var folder = TestPaths.NewTempFolder();
        var valid = folder.File("valid.jsonl");
        var train = folder.File("train.jsonl");
        Assert.Equal(0, InProcessCli.Run(DataCommand.Create(), "data", "import", "--format", "cmkp", "--in", TestPaths.Data("cmkp_dev", "valid.jsonl"), "--out", valid).ExitCode);
        Assert.Equal(0, InProcessCli.Run(DataCommand.Create(), "data", "import", "--format", "cmkp", "--in", TestPaths.Data("cmkp_dev", "train_sample200.jsonl"), "--out", train).ExitCode);

        var overlap = InProcessCli.Run(DataCommand.Create(), "data", "overlap", "--train", train, "--test", valid, "--json");
        Assert.Equal(0, overlap.ExitCode);
        using (var json = JsonDocument.Parse(overlap.Stdout))
        {
            Assert.InRange(json.RootElement.GetProperty("overlap").GetDouble(), 10, 30);
            Assert.InRange(json.RootElement.GetProperty("testKeyphrases").GetInt32(), 7000, 7300);
        }

        var outDir = Path.Combine(folder.Path, "v2");
        var split = InProcessCli.Run(DataCommand.Create(), "data", "split", "--data", valid, "--target-overlap", "0.45", "--seed", "3", "--out-dir", outDir);
        Assert.Equal(0, split.ExitCode);
        Assert.Contains("target 45.00%", split.Stdout);

        // measure the written files independently: within ±2 points of the target, nothing lost or duplicated
        var splitTrain = DatasetReader.ReadAll(Path.Combine(outDir, "train.jsonl"));
        var splitTest = DatasetReader.ReadAll(Path.Combine(outDir, "test.jsonl"));
        Assert.Equal(5370, splitTrain.Count + splitTest.Count);
        Assert.InRange(KeyphraseOverlap.Measure(splitTrain, splitTest).Overlap, 0.43, 0.47);
        var remeasured = InProcessCli.Run(DataCommand.Create(), "data", "overlap", "--train", Path.Combine(outDir, "train.jsonl"), "--test", Path.Combine(outDir, "test.jsonl"));
        Assert.StartsWith("overlap 4", remeasured.Stdout);
    }

    [Fact]
    public void Split_rejects_a_target_outside_0_to_1()
    {
        using var folder = TestPaths.NewTempFolder();
        var path = folder.File("d.jsonl");
        File.WriteAllLines(path, ["""{"id":"a","text":"x","keyphrases":["k"]}"""]);
        var run = InProcessCli.Run(DataCommand.Create(), "data", "split", "--data", path, "--target-overlap", "45", "--out-dir", folder.Path);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--target-overlap must be between 0 and 1", run.Stderr);
    }
}
