using DynamicCot.Keyphrases.Data;
using DynamicCot.Inference.Images;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Keyphrases.Tests.Data;

public sealed class AtomicFileTests
{
    [Fact]
    public void A_write_that_fails_part_way_leaves_the_previous_file_and_no_temporary_file()
    {
        using var folder = TestPaths.NewTempFolder();
        var path = folder.File(Path.Combine("out", "data.jsonl"));
        AtomicFile.WriteAllText(path, "good\n");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("half a fi"u8);
            throw new InvalidOperationException("source broke");
        }));

        Assert.Equal("good\n", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder.File("out")));
    }

    [Fact]
    public void Nothing_is_visible_until_commit_and_a_dataset_stream_that_throws_writes_nothing()
    {
        using var folder = TestPaths.NewTempFolder();
        var path = folder.File("d.jsonl");
        using (var writer = AtomicFileWriter.Create(path))
        {
            writer.Stream.Write("x"u8);
            Assert.False(File.Exists(path));
            Assert.True(File.Exists(writer.TemporaryPath));
            Assert.Equal(Path.GetDirectoryName(path), Path.GetDirectoryName(writer.TemporaryPath));
            writer.Commit();
        }
        Assert.Equal("x", File.ReadAllText(path));

        static IEnumerable<KeyphrasePost> Broken()
        {
            yield return new KeyphrasePost("a", "text", null, ["k"]);
            throw new DatasetFormatException("source.jsonl", 2, "not JSON");
        }
        Assert.Throws<DatasetFormatException>(() => DatasetWriter.WriteFile(path, Broken()));
        Assert.Equal("x", File.ReadAllText(path));
        Assert.Equal(1, DatasetWriter.WriteFile(path, [new KeyphrasePost("a", "text", null, ["k"])]));
        Assert.Equal("a", Assert.Single(DatasetReader.ReadAll(path)).Id);
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public async Task Image_check_decodes_each_image_and_reports_file_line_and_post()
    {
        using var folder = TestPaths.NewTempFolder();
        var photo = Directory.GetFiles(TestPaths.Data("vmu16_small_events", "images"), "*.jpg").Order(StringComparer.Ordinal).First();
        File.Copy(photo, folder.File("photo.jpg"));
        File.WriteAllText(folder.File("fake.jpg"), "plain text");
        var path = folder.File("d.jsonl");
        File.WriteAllLines(path,
        [
            """{"id":"a","text":"t","image":"photo.jpg","keyphrases":["k"]}""",
            """{"id":"b","text":"t","keyphrases":["k"]}""",
            """{"id":"c","text":"t","image":"fake.jpg","keyphrases":["k"]}""",
            """{"id":"d","text":"t","image":"gone.jpg","keyphrases":["k"]}""",
        ]);
        using var decoder = new ImageDecoder();
        var seen = new List<DatasetImageCheckProgress>();

        var problems = await DatasetImageCheck.CheckAsync(path, decoder, new Progress(seen.Add));

        Assert.Equal([(3, "c"), (4, "d")], problems.Select(p => (p.Line, p.PostId)));
        Assert.StartsWith($"{path}:3: post \"c\": image fake.jpg: ", problems[0].ToString());
        Assert.Contains("not found", problems[1].Reason);
        Assert.Equal(new DatasetImageCheckProgress(3, 3), seen[^1]);
    }

    private sealed class Progress(Action<DatasetImageCheckProgress> report) : IProgress<DatasetImageCheckProgress>
    {
        public void Report(DatasetImageCheckProgress value) => report(value);
    }
}
