using System.Text.Json;
using DynamicCot.Finetune.Commands;
using DynamicCot.Keyphrases.Data;
using DynamicCot.Keyphrases.Data.Import;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Commands;

[Collection(ConsoleCollection.Name)]
public sealed class ScoreCommandTests
{
    private static (string Gold, string Predictions) WriteHandWorkedCase(TempFolder folder)
    {
        var gold = folder.File("gold.jsonl");
        using (var writer = new DatasetWriter(gold))
            writer.Write(new KeyphrasePost("p1", "The cat sat on the mat.", null, ["cats", "mat", "dog"]));
        var predictions = folder.File("pred.jsonl");
        PredictionFile.Write(predictions, [new KeyphrasePrediction("p1", ["cat", "dog", "bird", "mat"])]);
        return (gold, predictions);
    }

    [Fact]
    public void Json_prints_exactly_one_object_with_the_hand_worked_numbers()
    {
        using var folder = TestPaths.NewTempFolder();
        var (gold, predictions) = WriteHandWorkedCase(folder);

        var run = InProcessCli.Run(ScoreCommand.Create(), "score", "--data", gold, "--predictions", predictions, "--json");

        Assert.Equal(0, run.ExitCode);
        // all: @1 1/2, @3 2/3, @5 and @M 6/7; present {cat, mat} vs [cat, mat]: 2/3, 1, 1, 1;
        // absent {dog} vs [dog, bird]: 1, 2/3, 2/3, 2/3 (worked out in KeyphraseEvaluatorTests)
        Assert.Equal(
            """{"all":{"f1@1":50.00,"f1@3":66.67,"f1@5":85.71,"f1@M":85.71,"count":1},"present":{"f1@1":66.67,"f1@3":100.00,"f1@5":100.00,"f1@M":100.00,"count":1},"absent":{"f1@1":100.00,"f1@3":66.67,"f1@5":66.67,"f1@M":66.67,"count":1},"unseen":{"f1@1":0.00,"f1@3":0.00,"f1@5":0.00,"f1@M":0.00,"count":0}}"""
            + Environment.NewLine,
            run.Stdout);
    }

    [Fact]
    public void Human_output_is_a_table_of_the_four_categories()
    {
        using var folder = TestPaths.NewTempFolder();
        var (gold, predictions) = WriteHandWorkedCase(folder);

        var run = InProcessCli.Run(ScoreCommand.Create(), "score", "--data", gold, "--predictions", predictions);

        Assert.Equal(0, run.ExitCode);
        foreach (var expected in new[] { "all", "present", "absent", "unseen", "85.71", "66.67", "needs --train" })
            Assert.Contains(expected, run.Stdout);
    }

    [Fact]
    public void Scores_CMKP_validation_with_oracle_predictions_and_the_train_sample()
    {
        using var folder = TestPaths.NewTempFolder();
        var gold = folder.File("valid.jsonl");
        var train = folder.File("train.jsonl");
        DatasetImporter.Import(DatasetImportFormat.Cmkp, TestPaths.Data("cmkp_dev", "valid.jsonl"), gold);
        DatasetImporter.Import(DatasetImportFormat.Cmkp, TestPaths.Data("cmkp_dev", "train_sample200.jsonl"), train);
        // the oracle predicts exactly the gold list: every matched prediction is right, so F1@M is 100 everywhere
        var predictions = folder.File("pred.jsonl");
        PredictionFile.Write(predictions, DatasetReader.Read(gold).Select(p => new KeyphrasePrediction(p.Id, p.Keyphrases)));

        var run = InProcessCli.Run(ScoreCommand.Create(), "score", "--data", gold, "--predictions", predictions, "--train", train, "--json");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Stdout);
        var all = json.RootElement.GetProperty("all");
        Assert.Equal(5370, all.GetProperty("count").GetInt32());
        Assert.Equal(100m, all.GetProperty("f1@M").GetDecimal());
        // posts with several gold keyphrases cap F1@1 below 100 (one prediction cannot recall them all)
        Assert.InRange(all.GetProperty("f1@1").GetDecimal(), 50m, 99.99m);
        var present = json.RootElement.GetProperty("present").GetProperty("count").GetInt32();
        var absent = json.RootElement.GetProperty("absent").GetProperty("count").GetInt32();
        var unseen = json.RootElement.GetProperty("unseen").GetProperty("count").GetInt32();
        Assert.InRange(present, 1, 5369);
        Assert.InRange(absent, 1, 5369);
        Assert.True(present + absent >= 5370); // every post has present or absent gold (or both)
        Assert.InRange(unseen, 3000, 5370);    // 200 training posts leave most hashtags unseen
        Assert.Equal(100m, json.RootElement.GetProperty("unseen").GetProperty("f1@M").GetDecimal());
    }

    [Fact]
    public void A_prediction_for_an_unknown_id_is_an_input_error_naming_the_files()
    {
        using var folder = TestPaths.NewTempFolder();
        var (gold, predictions) = WriteHandWorkedCase(folder);
        File.AppendAllText(predictions, """{"id":"nope","keyphrases":["x"]}""" + "\n");

        var run = InProcessCli.Run(ScoreCommand.Create(), "score", "--data", gold, "--predictions", predictions, "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains("\"nope\"", run.Stderr);
        Assert.Contains(predictions, run.Stderr);
    }

    [Fact]
    public void Missing_predictions_score_as_empty_with_a_warning()
    {
        using var folder = TestPaths.NewTempFolder();
        var (gold, _) = WriteHandWorkedCase(folder);
        var empty = folder.File("none.jsonl");
        File.WriteAllText(empty, "");

        var run = InProcessCli.Run(ScoreCommand.Create(), "score", "--data", gold, "--predictions", empty, "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("\"all\":{\"f1@1\":0.00", run.Stdout);
        Assert.Contains("1 of 1 posts have no prediction", run.Stderr);
    }

    [Fact]
    public void A_malformed_prediction_line_is_reported_with_file_and_line()
    {
        using var folder = TestPaths.NewTempFolder();
        var (gold, predictions) = WriteHandWorkedCase(folder);
        File.AppendAllText(predictions, """{"id":"p2","keyphrases":"not a list"}""" + "\n");

        var run = InProcessCli.Run(ScoreCommand.Create(), "score", "--data", gold, "--predictions", predictions);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{predictions}:2: \"keyphrases\" must be an array of strings", run.Stderr);
    }
}
