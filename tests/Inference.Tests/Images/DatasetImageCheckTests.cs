using DynamicCot.Inference.Images;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Inference.Tests.Images;

public sealed class DatasetImageCheckTests
{
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
