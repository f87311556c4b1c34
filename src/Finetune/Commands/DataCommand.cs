using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DynamicCot.Cli;
using DynamicCot.Keyphrases.Data;
using DynamicCot.Keyphrases.Data.Import;
using DynamicCot.Inference.Images;
using DynamicCot.Tools.Charts;
using Spectre.Console;

namespace DynamicCot.Finetune.Commands;

/// <summary>
/// <c>data</c>: prepare datasets: <c>import</c> from public formats, <c>validate</c>, measure train/test keyphrase
/// <c>overlap</c>, and <c>split</c> to a target overlap. Every file they write appears whole or not at all
/// (<see cref="AtomicFileWriter"/>): a failed command never leaves a partial dataset behind.
/// </summary>
public static class DataCommand
{
    public static Command Create()
    {
        var command = new Command("data", "Prepare keyphrase datasets: import, validate, measure overlap, re-split.");
        command.Subcommands.Add(CreateImport());
        command.Subcommands.Add(CreateValidate());
        command.Subcommands.Add(CreateOverlap());
        command.Subcommands.Add(CreateSplit());
        return command;
    }

    private static readonly Dictionary<string, DatasetImportFormat> Formats = new(StringComparer.Ordinal)
    {
        ["cmkp"] = DatasetImportFormat.Cmkp,
        ["vmu"] = DatasetImportFormat.Vmu,
        ["flickr"] = DatasetImportFormat.Flickr,
        ["textkp"] = DatasetImportFormat.TextKp,
    };

    private static Command CreateImport()
    {
        var format = new Option<string>("--format") { Required = true, Description = "Source format: cmkp, vmu, flickr or textkp." };
        format.AcceptOnlyFromAmong([.. Formats.Keys]);
        var input = new Option<string>("--in") { Required = true, Description = "Source file." };
        var output = new Option<string>("--out") { Required = true, Description = "Dataset file to write (JSONL)." };
        var command = new Command("import", "Convert a public dataset into the dataset format (image paths made relative to --out).")
        {
            format, input, output,
        };
        command.SetAction(parse =>
        {
            var outPath = parse.GetValue(output)!;
            var count = DatasetImporter.Import(Formats[parse.GetValue(format)!], parse.GetValue(input)!, outPath);
            Console.Out.WriteLine($"imported {count} posts into {outPath}");
            return CliApplication.ExitOk;
        });
        return command;
    }

    private static Command CreateValidate()
    {
        var data = new Option<string>("--data") { Required = true, Description = "Dataset file (JSONL)." };
        var command = new Command("validate", "Check a dataset strictly (fields, types, unique ids, every image decodes); errors name file:line.") { data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(data)!;
            int posts = 0, keyphrases = 0, images = 0, rationales = 0;
            var splits = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (var post in DatasetReader.Read(path, requireImagesExist: true))
            {
                posts++;
                keyphrases += post.Keyphrases.Count;
                images += post.Image is null ? 0 : 1;
                rationales += post.Rationale is null ? 0 : 1;
                if (post.Split is not null)
                    splits[post.Split] = splits.GetValueOrDefault(post.Split) + 1;
            }
            var problems = await CheckImagesAsync(path, images, cancellationToken);
            if (problems.Count > 0)
            {
                foreach (var problem in problems.Take(50))
                    Console.Error.WriteLine($"error: {problem}");
                if (problems.Count > 50)
                    Console.Error.WriteLine($"… and {problems.Count - 50} more");
                throw new CliInputException($"{path}: {problems.Count} of {images} images cannot be decoded (listed above)");
            }
            var splitText = splits.Count == 0 ? "no split field" : string.Join(", ", splits.Select(s => $"{s.Key} {s.Value}"));
            Console.Out.WriteLine($"{path}: valid: {posts} posts, {keyphrases} keyphrases, {images} with an image (all decode), {rationales} with a rationale; {splitText}");
            return CliApplication.ExitOk;
        });
        return command;
    }

    /// <summary>Decodes every image as serving would (same decoder and limits), with a progress bar for large sets.</summary>
    private static async Task<IReadOnlyList<DatasetImageProblem>> CheckImagesAsync(string path, int images, CancellationToken cancellationToken)
    {
        if (images == 0)
            return [];
        using var decoder = new ImageDecoder();
        IReadOnlyList<DatasetImageProblem> problems = [];
        await ConsoleOutput.Stderr().Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("decoding images", maxValue: images);
                var progress = new SynchronousProgress<DatasetImageCheckProgress>(p => task.Value = p.Checked);
                problems = await DatasetImageCheck.CheckAsync(path, decoder, progress, cancellationToken);
            });
        return problems;
    }

    private static Command CreateOverlap()
    {
        var train = new Option<string>("--train") { Required = true, Description = "Training dataset." };
        var test = new Option<string>("--test") { Required = true, Description = "Test dataset." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var chart = new Option<string?>("--chart") { Description = "Also draw the per-post overlap histogram to PATH.png and PATH.svg." };
        var command = new Command("overlap", "Share of test keyphrases (normalised, stemmed) that are training targets.") { train, test, json, chart };
        command.SetAction(parse =>
        {
            var trainPosts = DatasetReader.ReadAll(parse.GetValue(train)!);
            var testPosts = DatasetReader.ReadAll(parse.GetValue(test)!);
            var result = KeyphraseOverlap.Measure(trainPosts, testPosts);
            string? written = null;
            if (parse.GetValue(chart) is { } chartPath)
                written = WriteOverlapChart(chartPath, trainPosts, testPosts, result, Path.GetFileName(parse.GetValue(test)!));
            Console.Out.WriteLine(parse.GetValue(json) ? OverlapJson(result) : OverlapText(result));
            if (written is not null && !parse.GetValue(json))
                Console.Out.WriteLine($"wrote {written}");
            return CliApplication.ExitOk;
        });
        return command;
    }

    private static Command CreateSplit()
    {
        var data = new Option<string>("--data") { Required = true, Description = "Dataset holding every post to distribute." };
        var target = new Option<double>("--target-overlap") { Required = true, Description = "Wanted share of test keyphrases seen in training, 0..1 (e.g. 0.45)." };
        var seed = new Option<int>("--seed") { Description = "Random seed; the same data and seed give the same split.", DefaultValueFactory = _ => 0 };
        var testFraction = new Option<double>("--test-fraction") { Description = "Wanted share of posts in test (it may grow to reach the target).", DefaultValueFactory = _ => 0.1 };
        var outDir = new Option<string>("--out-dir") { Required = true, Description = "Folder for train.jsonl and test.jsonl." };
        var command = new Command("split", "Re-split a dataset to a target train/test keyphrase overlap (as MMKP-V2 was made from MMKP).")
        {
            data, target, seed, testFraction, outDir,
        };
        command.SetAction(parse =>
        {
            var dataPath = parse.GetValue(data)!;
            var targetOverlap = parse.GetValue(target);
            var fraction = parse.GetValue(testFraction);
            if (targetOverlap is < 0 or > 1)
                throw new CliInputException($"--target-overlap must be between 0 and 1, not {targetOverlap.ToString(CultureInfo.InvariantCulture)}");
            if (fraction is <= 0 or >= 1)
                throw new CliInputException($"--test-fraction must be between 0 and 1 (exclusive), not {fraction.ToString(CultureInfo.InvariantCulture)}");

            var posts = DatasetReader.ReadAll(dataPath);
            var split = OverlapSplitter.Split(posts, targetOverlap, fraction, parse.GetValue(seed));
            var folder = parse.GetValue(outDir)!;
            var imageBase = Path.GetDirectoryName(Path.GetFullPath(dataPath))!;
            DatasetWriter.WriteFile(Path.Combine(folder, "train.jsonl"), split.Train, imageBase);
            DatasetWriter.WriteFile(Path.Combine(folder, "test.jsonl"), split.Test, imageBase);
            var chart = WriteOverlapChart(Path.Combine(folder, "overlap"), split.Train, split.Test, split.Overlap, "test.jsonl");
            Console.Out.WriteLine(
                $"train {split.Train.Count} posts, test {split.Test.Count} posts in {folder}; overlap {Percent(split.Overlap.Overlap)} (target {Percent(targetOverlap)}); chart {chart}");
            return CliApplication.ExitOk;
        });
        return command;
    }

    private static string WriteOverlapChart(string path, IEnumerable<KeyphrasePost> train, IEnumerable<KeyphrasePost> test, OverlapResult result, string testName)
    {
        var shares = KeyphraseOverlap.SeenSharePerPost(train, test);
        var files = ChartFile.Save(OverlapHistogram.Create($"Train/test keyphrase overlap per post ({testName})", shares, result.Overlap), path);
        return $"{files.Png} and {files.Svg}";
    }

    private static string OverlapText(OverlapResult r) =>
        $"overlap {Percent(r.Overlap)}: {r.SeenTestKeyphrases} of {r.TestKeyphrases} test keyphrases are training targets; "
        + $"distinct: {r.DistinctSeenTestKeyphrases} of {r.DistinctTestKeyphrases} ({Percent(r.DistinctOverlap)})";

    private static string OverlapJson(OverlapResult r) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["overlap"] = Math.Round(r.Overlap * 100, 2),
        ["testKeyphrases"] = r.TestKeyphrases,
        ["seenTestKeyphrases"] = r.SeenTestKeyphrases,
        ["distinctOverlap"] = Math.Round(r.DistinctOverlap * 100, 2),
        ["distinctTestKeyphrases"] = r.DistinctTestKeyphrases,
        ["distinctSeenTestKeyphrases"] = r.DistinctSeenTestKeyphrases,
    });

    private static string Percent(double fraction) => (fraction * 100).ToString("F2", CultureInfo.InvariantCulture) + "%";
}
