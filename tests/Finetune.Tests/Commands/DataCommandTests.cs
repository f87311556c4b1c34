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
        var remeasured = InProcessCli.Run(DataCommand.Create(), "data", "overlap", "--train", Path.Combine(outDir, "train.jsonl"), "--test", Path.Combine(outDir, "test.jsonl"),
            "--chart", folder.File("remeasured"));
        Assert.StartsWith("overlap 4", remeasured.Stdout);
        Assert.True(File.Exists(folder.File("remeasured.png")) && File.Exists(folder.File("remeasured.svg")), remeasured.Stdout);
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

    [Fact]
    public void A_failed_import_leaves_no_file_and_keeps_an_existing_good_output()
    {
        using var folder = TestPaths.NewTempFolder();
        var output = folder.File("out.jsonl");

        // A missing source: no 0-byte output.
        var missing = InProcessCli.Run(DataCommand.Create(), "data", "import", "--format", "flickr", "--in", folder.File("nope.jsonl"), "--out", output);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("nope.jsonl", missing.Stderr);
        Assert.False(File.Exists(output));

        // A malformed third line: no partial dataset someone could train on.
        var source = folder.File("flickr.jsonl");
        File.WriteAllLines(source,
        [
            """{"id":"f1","title":"sunset over the bay","tags":["sunset","bay"]}""",
            """{"id":"f2","title":"harbour lights","tags":["harbour"]}""",
            """{"id":"f3","title":"broken""",
        ]);
        var malformed = InProcessCli.Run(DataCommand.Create(), "data", "import", "--format", "flickr", "--in", source, "--out", output);
        Assert.Equal(1, malformed.ExitCode);
        Assert.Contains($"{source}:3:", malformed.Stderr);
        Assert.False(File.Exists(output));

        // An existing good output survives a failed re-import unchanged.
        File.WriteAllLines(folder.File("good.jsonl"), [.. File.ReadAllLines(source).Take(2)]);
        Assert.Equal(0, InProcessCli.Run(DataCommand.Create(), "data", "import", "--format", "flickr", "--in", folder.File("good.jsonl"), "--out", output).ExitCode);
        var good = File.ReadAllBytes(output);
        Assert.Equal(1, InProcessCli.Run(DataCommand.Create(), "data", "import", "--format", "flickr", "--in", source, "--out", output).ExitCode);
        Assert.Equal(good, File.ReadAllBytes(output));
        Assert.Equal(2, DatasetReader.ReadAll(output).Count);
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }

    [Fact]
    public void Validate_decodes_every_image_and_names_file_line_and_post_of_each_bad_one()
    {
        using var folder = TestPaths.NewTempFolder();
        var photo = Directory.GetFiles(TestPaths.Data("vmu16_small_events", "images"), "*.jpg").Order(StringComparer.Ordinal).First();
        File.Copy(photo, folder.File("photo.jpg"));
        File.WriteAllText(folder.File("text.jpg"), "this is a text file, not a JPEG");
        File.WriteAllBytes(folder.File("empty.png"), []);
        var path = folder.File("posts.jsonl");
        File.WriteAllLines(path,
        [
            """{"id":"a","text":"a photo","image":"photo.jpg","keyphrases":["k"]}""",
            """{"id":"b","text":"text as jpeg","image":"text.jpg","keyphrases":["k"]}""",
            """{"id":"c","text":"no image","keyphrases":["k"]}""",
            """{"id":"d","text":"0-byte png","image":"empty.png","keyphrases":["k"]}""",
        ]);

        var run = InProcessCli.Run(DataCommand.Create(), "data", "validate", "--data", path);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{path}:2: post \"b\": image text.jpg:", run.Stderr);
        Assert.Contains($"{path}:4: post \"d\": image empty.png:", run.Stderr);
        Assert.DoesNotContain($"{path}:1:", run.Stderr);
        Assert.Contains("2 of 3 images cannot be decoded", run.Stderr);

        File.WriteAllLines(path, [.. File.ReadAllLines(path).Where((_, i) => i is 0 or 2)]);
        var valid = InProcessCli.Run(DataCommand.Create(), "data", "validate", "--data", path);
        Assert.Equal(0, valid.ExitCode);
        Assert.Contains("1 with an image (all decode)", valid.Stdout);
    }

    [Fact]
    public void Split_draws_the_per_post_overlap_histogram()
    {
        using var folder = TestPaths.NewTempFolder();
        var data = folder.File("d.jsonl");
        Assert.Equal(0, InProcessCli.Run(DataCommand.Create(), "data", "import", "--format", "cmkp", "--in", TestPaths.Data("cmkp_dev", "train_sample200.jsonl"), "--out", data).ExitCode);

        var outDir = folder.File("split");
        var run = InProcessCli.Run(DataCommand.Create(), "data", "split", "--data", data, "--target-overlap", "0.4", "--out-dir", outDir);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("overlap.png", run.Stdout);
        var png = File.ReadAllBytes(Path.Combine(outDir, "overlap.png"));
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], png[..4]);
        var svg = System.Xml.Linq.XDocument.Load(Path.Combine(outDir, "overlap.svg"));
        var testPosts = DatasetReader.ReadAll(Path.Combine(outDir, "test.jsonl")).Count(p => p.Keyphrases.Count > 0);
        Assert.Contains(svg.Descendants(), e => e.Name.LocalName == "text" && e.Value.Trim() == $"{testPosts} test posts");
    }
}
