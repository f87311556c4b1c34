using System.CommandLine;
using System.Text.Json;
using System.Xml.Linq;
using DynamicCot.Cli;
using DynamicCot.Finetune.Commands;
using DynamicCot.Keyphrases.Data;
using DynamicCot.Keyphrases.Data.Import;
using DynamicCot.Tools.Teacher;
using DynamicCot.Inference.Generation;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Commands;

/// <summary>
/// <c>eval</c> and the local teacher end to end with the tiny real-architecture model (its output is random, so only
/// the plumbing and the file formats are checked). The verbs run in-process from a root built here, as Program.cs
/// would wire them; console output is not captured, so these can share the tiny-model collection.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class EvalCommandTests(TinyModels models)
{
    [Fact]
    public void Eval_writes_predictions_reports_and_a_chart_records_a_bad_post_as_failed_resumes_and_compares_runs()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        using var folder = TestPaths.NewTempFolder();
        var (test, train) = WriteTestSet(folder, postsWithImage: 4, textOnlyPosts: 4);
        // A ninth post whose "photo" is a text file: recorded as failed, the other eight still evaluated.
        File.WriteAllText(folder.File("not-a-photo.jpg"), "this is not a JPEG");
        File.AppendAllText(test, """{"id":"bad-image","text":"flooded streets downtown","image":"not-a-photo.jpg","keyphrases":["flood"]}""" + "\n");

        var auto = folder.File("auto");
        Assert.Equal(0, Run("eval", "--model", files.LanguageModel, "--mmproj", files.Projector, "--data", test, "--train", train,
            "--out", auto, "--think", "16", "--name", "Capped", "--threads", "2", "--concurrency", "4", "--max", "5"));

        Assert.Equal(9, File.ReadAllLines(Path.Combine(auto, "predictions.jsonl")).Length);
        var predictions = PredictionFile.ReadById(Path.Combine(auto, "predictions.jsonl"));
        Assert.Empty(predictions["bad-image"].Keyphrases);
        Assert.Equal(DatasetReader.ReadAll(test).Select(p => p.Id).Order(), predictions.Keys.Order());

        using (var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(auto, "report.json"))))
        {
            var root = report.RootElement;
            Assert.Equal(["all", "present", "absent", "unseen", "run", "generatedTokens", "promptTokens", "promptMs", "generationMs", "totalMs"],
                root.EnumerateObject().Select(p => p.Name));
            foreach (var category in new[] { "all", "present", "absent", "unseen" })
                Assert.Equal(["f1@1", "f1@3", "f1@5", "f1@M", "count"], root.GetProperty(category).EnumerateObject().Select(p => p.Name));
            Assert.Equal(["name", "model", "data", "think", "posts", "thoughtShare", "wallSeconds", "failed", "failedPosts"], root.GetProperty("run").EnumerateObject().Select(p => p.Name));
            Assert.Equal(1, root.GetProperty("run").GetProperty("failed").GetInt32());
            Assert.StartsWith("bad-image: ", root.GetProperty("run").GetProperty("failedPosts")[0].GetString());
            foreach (var stat in new[] { "generatedTokens", "promptTokens", "promptMs", "generationMs", "totalMs" })
                Assert.Equal(["mean", "p50", "p95"], root.GetProperty(stat).EnumerateObject().Select(p => p.Name));
            Assert.Equal(9, root.GetProperty("all").GetProperty("count").GetInt32());
            Assert.Equal(9, root.GetProperty("run").GetProperty("posts").GetInt32());
            Assert.True(root.GetProperty("unseen").GetProperty("count").GetInt32() > 0);
            Assert.True(root.GetProperty("generatedTokens").GetProperty("mean").GetDouble() > 0);
            Assert.True(root.GetProperty("promptTokens").GetProperty("p95").GetDouble() > 20);
        }
        var markdown = File.ReadAllText(Path.Combine(auto, "report.md"));
        Assert.Contains("| keyphrases | F1@1 | F1@3 | F1@5 | F1@M | posts |", markdown);
        Assert.Contains("| generated tokens |", markdown);
        Assert.Contains("**1 post(s) failed**", markdown);
        var chart = XDocument.Load(Path.Combine(auto, "report.svg"));
        Assert.Equal("{http://www.w3.org/2000/svg}svg", chart.Root!.Name.ToString());
        Assert.Equal(PngSignature, File.ReadAllBytes(Path.Combine(auto, "report.png"))[..8]);

        // Running the same command again resumes: only the failed post is tried again.
        var journalLines = File.ReadAllLines(Path.Combine(auto, "outcomes.jsonl")).Length;
        Assert.Equal(0, Run("eval", "--model", files.LanguageModel, "--mmproj", files.Projector, "--data", test, "--train", train,
            "--out", auto, "--think", "16", "--name", "Capped", "--threads", "2", "--max", "5"));
        Assert.Equal(journalLines + 1, File.ReadAllLines(Path.Combine(auto, "outcomes.jsonl")).Length);
        // …but not with other settings.
        Assert.Equal(CliApplication.ExitInputError, Run("eval", "--model", files.LanguageModel, "--mmproj", files.Projector, "--data", test,
            "--out", auto, "--think", "off", "--threads", "2", "--max", "5"));

        var off = folder.File("off");
        Assert.Equal(0, Run("eval", "--model", files.LanguageModel, "--mmproj", files.Projector, "--data", test, "--train", train,
            "--out", off, "--think", "off", "--name", "No thinking", "--threads", "2", "--max", "5"));

        var comparison = folder.File("compare.svg");
        Assert.Equal(0, Run("eval", "compare", auto, Path.Combine(off, "report.json"), "--out", comparison));
        var svgText = XDocument.Load(comparison).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();
        Assert.Contains("Capped", svgText);
        Assert.Contains("No thinking", svgText);
        Assert.Equal(PngSignature, File.ReadAllBytes(folder.File("compare.png"))[..8]);
        var table = File.ReadAllText(folder.File("compare.md"));
        Assert.Contains("| Capped | 9 |", table);
        Assert.Contains("tokens vs Capped", table);
        Assert.Contains("100.00% (±0.00%)", table);
    }

    [Fact]
    public async Task Local_teacher_runs_end_to_end_and_every_post_ends_answered_or_failed()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        using var folder = TestPaths.NewTempFolder();
        var (data, _) = WriteTestSet(folder, postsWithImage: 2, textOnlyPosts: 2);
        using var teacher = LocalModelTeacher.Start(new KeyphraseEngineOptions
        {
            ModelPath = files.LanguageModel, ProjectorPath = files.Projector, Threads = 2, MaxParallelSequences = 2,
        }, maxRationaleTokens: 24);
        var options = new TeacherRunOptions { DataPath = data, OutputPath = folder.File("cot.jsonl"), Concurrency = 2, KeepAll = true };

        var summary = await TeacherRun.RunAsync(teacher, options);

        Assert.Equal(4, summary.Asked);
        Assert.Equal(4, summary.Kept + summary.Dropped + summary.Failed);
        Assert.True(summary.ThisRun.CompletionTokens > 0);
        var journal = JsonLines.Read(options.ResolvedJournalPath).Select(TeacherJournalEntry.Read).ToList();
        Assert.Equal(4, journal.Count);
        var output = DatasetReader.ReadAll(options.OutputPath);
        Assert.Equal(4, output.Count);
        Assert.Equal(summary.Kept, output.Count(p => p.Rationale is not null));
    }

    /// <summary>Real posts: VMU tweets with their photos, and CMKP text-only tweets; CMKP's train sample as training set.</summary>
    private static (string Test, string Train) WriteTestSet(TempFolder folder, int postsWithImage, int textOnlyPosts)
    {
        var vmu = folder.File("vmu.jsonl");
        var cmkp = folder.File("cmkp.jsonl");
        var train = folder.File("train.jsonl");
        DatasetImporter.Import(DatasetImportFormat.Vmu, TestPaths.Data("vmu16_small_events", "data.jsonl"), vmu);
        DatasetImporter.Import(DatasetImportFormat.Cmkp, TestPaths.Data("cmkp_dev", "valid.jsonl"), cmkp);
        DatasetImporter.Import(DatasetImportFormat.Cmkp, TestPaths.Data("cmkp_dev", "train_sample200.jsonl"), train);
        var test = folder.File("test.jsonl");
        using var writer = new DatasetWriter(test);
        foreach (var post in DatasetReader.Read(vmu).Where(p => p.Image is not null).Take(postsWithImage))
            writer.Write(post, folder.Path);
        foreach (var post in DatasetReader.Read(cmkp).Take(textOnlyPosts))
            writer.Write(post with { Image = null }, folder.Path);
        return (test, train);
    }

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static int Run(params string[] args)
    {
        var root = new RootCommand("test root");
        root.Subcommands.Add(EvalCommand.Create());
        return CliApplication.Run(root, args);
    }
}
