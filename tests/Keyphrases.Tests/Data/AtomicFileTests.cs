using DynamicCot.Keyphrases.Data;
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
}
