using DynamicCot.Keyphrases.Data;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Keyphrases.Tests.Data;

public sealed class DatasetReaderTests
{
    [Fact]
    public void Writer_and_reader_round_trip_every_field_and_rebase_images()
    {
        using var folder = TestPaths.NewTempFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "media"));
        File.WriteAllBytes(Path.Combine(folder.Path, "media", "cat.jpg"), [1, 2, 3]);
        var post = new KeyphrasePost("p1", "Ünïcode text 😂 \"quoted\"", "media/cat.jpg", ["cat", "new york"], "because…", "train");
        var output = Path.Combine(folder.Path, "out", "set.jsonl");
        using (var writer = new DatasetWriter(output))
        {
            writer.Write(post, folder.Path);
            writer.Write(post with { Id = "p2", Image = null, Rationale = null, Split = null });
        }

        var read = DatasetReader.ReadAll(output, requireImagesExist: true);
        Assert.Equal(2, read.Count);
        Assert.Equal("../media/cat.jpg", read[0].Image);
        Assert.Equal(post.Text, read[0].Text);
        Assert.Equal(post.Keyphrases, read[0].Keyphrases);
        Assert.Equal("because…", read[0].Rationale);
        Assert.Equal("train", read[0].Split);
        Assert.Null(read[1].Image);
        Assert.Null(read[1].Split);
        Assert.Equal(Path.Combine(folder.Path, "media", "cat.jpg"), DatasetReader.ImagePath(output, read[0]));
    }

    [Theory]
    [InlineData("""{"id":"a","text":"t","keyphrase":["x"]}""", "unknown field \"keyphrase\"")]
    [InlineData("""{"id":"a","text":"t"}""", "missing required field \"keyphrases\"")]
    [InlineData("""{"id":1,"text":"t","keyphrases":[]}""", "\"id\" must be a string, not a number")]
    [InlineData("""{"id":"a","text":"t","keyphrases":["x", 3]}""", "\"keyphrases\"[1] must be a string")]
    [InlineData("""{"id":"a","text":"t","keyphrases":["x", "  "]}""", "\"keyphrases\"[1] is blank")]
    [InlineData("""{"id":"a","text":" ","keyphrases":["x"]}""", "has neither text nor image")]
    [InlineData("""{"id":"a","text":"t","image":"/etc/x.jpg","keyphrases":[]}""", "must be relative")]
    [InlineData("""{"id":"a","text":"t","image":"missing.jpg","keyphrases":[]}""", "image not found: missing.jpg")]
    [InlineData("""{"id":"a","text":"t","keyphrases":[]""", "not valid JSON")]
    [InlineData("""["a"]""", "each line must be one JSON object")]
    public void Rejects_bad_lines_naming_file_and_line(string badLine, string expectedProblem)
    {
        using var folder = TestPaths.NewTempFolder();
        var path = folder.File("bad.jsonl");
        File.WriteAllLines(path, ["""{"id":"ok","text":"fine","keyphrases":["k"]}""", "", badLine]);

        var error = Assert.Throws<DatasetFormatException>(() => DatasetReader.ReadAll(path, requireImagesExist: true));
        Assert.Equal(path, error.File);
        Assert.Equal(3, error.Line);
        Assert.StartsWith($"{path}:3: ", error.Message);
        Assert.Contains(expectedProblem, error.Message);
    }

    [Fact]
    public void Rejects_duplicate_ids_pointing_at_the_first()
    {
        using var folder = TestPaths.NewTempFolder();
        var path = folder.File("dup.jsonl");
        File.WriteAllLines(path, ["""{"id":"a","text":"x","keyphrases":[]}""", """{"id":"a","text":"y","keyphrases":[]}"""]);
        var error = Assert.Throws<DatasetFormatException>(() => DatasetReader.ReadAll(path));
        Assert.Equal(2, error.Line);
        Assert.Contains("duplicate id \"a\" (first on line 1)", error.Message);
    }

    [Fact]
    public void Missing_file_is_a_file_not_found_error_naming_it()
    {
        var error = Assert.Throws<FileNotFoundException>(() => DatasetReader.ReadAll("no/such/file.jsonl"));
        Assert.Contains("no/such/file.jsonl", error.Message);
    }

    [Fact]
    public void Predictions_round_trip_and_reject_duplicates()
    {
        using var folder = TestPaths.NewTempFolder();
        var path = folder.File("pred.jsonl");
        PredictionFile.Write(path, [new KeyphrasePrediction("a", ["x", "y z"]), new KeyphrasePrediction("b", [])]);
        var read = PredictionFile.ReadById(path);
        Assert.Equal(["x", "y z"], read["a"].Keyphrases);
        Assert.Empty(read["b"].Keyphrases);

        File.AppendAllText(path, """{"id":"a","keyphrases":[]}""" + "\n");
        var error = Assert.Throws<DatasetFormatException>(() => PredictionFile.ReadById(path));
        Assert.Equal(3, error.Line);
    }
}
