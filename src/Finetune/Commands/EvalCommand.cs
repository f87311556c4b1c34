using System.CommandLine;
using System.Globalization;
using DynamicCot.Cli;
using DynamicCot.Keyphrases.Data;
using DynamicCot.Inference.Generation;
using DynamicCot.Tools.Charts;
using DynamicCot.Tools.Evaluation;
using DynamicCot.Keyphrases.Suggestions;
using Spectre.Console;
using DynamicCot.Llama;

namespace DynamicCot.Finetune.Commands;

/// <summary>
/// <c>eval --model LM.gguf --mmproj MM.gguf --data test.jsonl [--train train.jsonl] --out DIR [--think auto|on|off|N] [--name RUN]</c>,
/// and <c>eval compare RUN_DIR… --out chart.svg</c>.
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        // Not Required at the parser level: `eval compare` shares this command and needs none of them.
        var model = new Option<FileInfo?>("--model") { Description = "Language-model GGUF (required)." };
        var mmproj = new Option<FileInfo?>("--mmproj") { Description = "Multimodal projector GGUF (required when posts have images)." };
        var data = new Option<string?>("--data") { Description = "Test set (dataset JSONL, required)." };
        var train = new Option<string?>("--train") { Description = "Training set, to score unseen keyphrases." };
        var output = new Option<string?>("--out") { Description = "Folder for predictions.jsonl, report.json/.md/.svg (required; an interrupted run resumes there)." };
        var think = new Option<string>("--think") { Description = "auto (the model decides), on (always reason), off, or a thinking-token budget N.", DefaultValueFactory = _ => "auto" };
        var name = new Option<string?>("--name") { Description = "The run's label in reports (default: the --out folder's name)." };
        var max = new Option<int>("--max") { Description = "Most keyphrases per post.", DefaultValueFactory = _ => 10 };
        var concurrency = new Option<int>("--concurrency") { Description = "Posts decoded together (engine parallel sequences).", DefaultValueFactory = _ => 4 };
        var context = new Option<int>("--context") { Description = "KV positions per sequence (prompt + image + output).", DefaultValueFactory = _ => 2048 };
        var imageTokens = new Option<int?>("--image-max-tokens") { Description = "Image token budget (default: the one the model was trained with, recorded in its GGUF; -1: the projector's default). Another value is used with a warning." };
        var temperature = new Option<float>("--temperature") { Description = "0 for greedy (default, reproducible).", DefaultValueFactory = _ => 0f };
        var seed = new Option<uint>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 42 };
        var threads = new Option<int>("--threads") { Description = "CPU threads.", DefaultValueFactory = _ => LlamaThreads.Default };
        var gpuLayers = new Option<int>("--gpu-layers") { Description = "Layers on the GPU (-1 all).", DefaultValueFactory = _ => -1 };
        var command = new Command("eval", "Run a model over a test set: predictions, scores (all/present/absent/unseen), token and latency statistics, a chart.")
        {
            model, mmproj, data, train, output, think, name, max, concurrency, context, imageTokens, temperature, seed, threads, gpuLayers,
        };
        EngineOptions.AddTo(command);
        command.Subcommands.Add(CreateCompare());
        command.SetAction(async (parse, cancellationToken) =>
        {
            var modelFile = parse.GetValue(model) ?? throw new CliInputException("eval needs --model LM.gguf (or use `eval compare`).");
            var dataPath = parse.GetValue(data) ?? throw new CliInputException("eval needs --data test.jsonl.");
            var outFolder = parse.GetValue(output) ?? throw new CliInputException("eval needs --out DIR.");
            if (!modelFile.Exists)
                throw new CliInputException($"--model {modelFile.FullName}: no such file.");
            var projector = parse.GetValue(mmproj);
            if (projector is { Exists: false })
                throw new CliInputException($"--mmproj {projector.FullName}: no such file.");
            var thinkValue = parse.GetValue(think)!;
            var suggestion = ThinkingOption.Apply(thinkValue, new SuggestionOptions
            {
                MaxKeyphrases = parse.GetValue(max),
                Sampling = new SamplingOptions { Temperature = parse.GetValue(temperature), Seed = parse.GetValue(seed) },
            });
            var posts = DatasetReader.ReadAll(dataPath, requireImagesExist: true);
            if (projector is null && posts.FirstOrDefault(p => p.Image is not null) is { } withImage)
                throw new CliInputException($"{dataPath}: post \"{withImage.Id}\" has an image: give --mmproj (the model's projector).");
            var options = new EvaluationRunOptions
            {
                DataPath = dataPath,
                TrainPath = parse.GetValue(train),
                OutputFolder = outFolder,
                Name = parse.GetValue(name) ?? new DirectoryInfo(Path.GetFullPath(outFolder)).Name,
                ModelLabel = modelFile.Name,
                ThinkLabel = thinkValue.Trim().ToLowerInvariant(),
                Suggestion = suggestion,
                Concurrency = parse.GetValue(concurrency),
            };

            EngineOptions.Apply(parse);
            using var logging = CliLogging.EngineWarnings();
            await using var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions
            {
                ModelPath = modelFile.FullName,
                ProjectorPath = projector?.FullName,
                Threads = parse.GetValue(threads),
                GpuLayers = parse.GetValue(gpuLayers),
                MaxParallelSequences = Math.Clamp(options.Concurrency, 1, 64),
                ContextPerSequence = parse.GetValue(context),
                ImageMaxTokens = parse.GetValue(imageTokens),
            }, logging);
            EvaluationReport? report = null;
            await ConsoleOutput.Stderr().Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask("evaluating", maxValue: posts.Count);
                    var progress = new SynchronousProgress<EvaluationProgress>(p => { task.Value = p.Done; task.Description = $"evaluating {p.Done}/{p.Total}"; });
                    report = await EvaluationRun.RunAsync(engine, options, progress, cancellationToken);
                    task.Value = task.MaxValue;
                });
            var c = CultureInfo.InvariantCulture;
            Console.Out.WriteLine(string.Create(c, $"{report!.Name}: {report.Posts} posts, F1@M all {Percent(report.Scores.All.F1AtM)}, present {Percent(report.Scores.Present.F1AtM)}, " +
                $"absent {Percent(report.Scores.Absent.F1AtM)}, unseen {(report.Scores.Unseen.Count == 0 ? "—" : Percent(report.Scores.Unseen.F1AtM))}; " +
                $"{report.GeneratedTokens.Mean:0.#} generated tokens per post (p95 {report.GeneratedTokens.P95:0}), {report.TotalMs.Mean:0} ms per post"));
            Console.Out.WriteLine($"wrote {Path.Combine(outFolder, EvaluationFiles.Predictions)}, {EvaluationFiles.ReportJson}, {EvaluationFiles.ReportMarkdown}, {EvaluationFiles.ReportChartPng}, {EvaluationFiles.ReportChart}");
            if (report.Failed > 0)
            {
                // Scored as empty predictions; the run went on. The next run with the same --out retries them.
                Console.Error.WriteLine($"warning: {report.Failed} of {report.Posts} posts failed and were scored as empty predictions; run again to retry them:");
                foreach (var failure in report.FailedPosts)
                    Console.Error.WriteLine($"  {dataPath}: post {failure}");
            }
            return CliApplication.ExitOk;
        });
        return command;
    }

    private static Command CreateCompare()
    {
        var runs = new Argument<string[]>("runs") { Description = "Evaluation folders (or their report.json files), in table order.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Required = true, Description = "The chart to write (PATH.png and PATH.svg); the Markdown table goes next to it (.md)." };
        var markdown = new Option<string?>("--markdown") { Description = "Where to write the Markdown table (default: the chart's path with .md)." };
        var baseline = new Option<string?>("--baseline") { Description = "Run name that token use is relative to (default: the first run)." };
        var command = new Command("compare", "Compare evaluation runs (e.g. zero-shot vs SFT vs Dynamic CoT): a grouped bar chart of F1@M and a Markdown table with relative token use.")
        {
            runs, output, markdown, baseline,
        };
        command.SetAction(parse =>
        {
            var reports = parse.GetValue(runs)!.Select(r => EvaluationReport.Read(Directory.Exists(r) ? Path.Combine(r, EvaluationFiles.ReportJson) : r)).ToList();
            var duplicate = reports.GroupBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
                throw new CliInputException($"two runs are named \"{duplicate.Key}\": give them different --name values when evaluating.");
            var baselineIndex = 0;
            if (parse.GetValue(baseline) is { } baselineName)
            {
                baselineIndex = reports.FindIndex(r => r.Name == baselineName);
                if (baselineIndex < 0)
                    throw new CliInputException($"--baseline \"{baselineName}\" is none of the runs ({string.Join(", ", reports.Select(r => r.Name))}).");
            }
            var chartPath = parse.GetValue(output)!;
            var markdownPath = parse.GetValue(markdown) ?? Path.ChangeExtension(chartPath, ".md");
            var chart = ChartFile.Save(EvaluationDocuments.ComparisonChart(reports), chartPath);
            var table = EvaluationDocuments.ComparisonMarkdown(reports, baselineIndex);
            AtomicFile.WriteAllText(markdownPath, table);
            Console.Out.Write(table);
            Console.Out.WriteLine($"\nwrote {chart.Png}, {chart.Svg} and {markdownPath}");
            return CliApplication.ExitOk;
        });
        return command;
    }

    private static string Percent(double fraction) =>
        Keyphrases.Metrics.ScoreReport.ToPercent(fraction).ToString("F2", CultureInfo.InvariantCulture);
}

/// <summary>The <c>--think auto|on|off|N</c> switch shared by the inference verbs.</summary>
internal static class ThinkingOption
{
    public static SuggestionOptions Apply(string value, SuggestionOptions options) => value.Trim().ToLowerInvariant() switch
    {
        "auto" => options with { Thinking = ThinkingMode.Auto },
        "off" => options with { Thinking = ThinkingMode.Off },
        "on" => options with { Thinking = ThinkingMode.On },
        var n when int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var budget) && budget > 0 =>
            options with { Thinking = ThinkingMode.Capped, MaxThinkingTokens = budget, MaxTokens = budget + 128 },
        _ => throw new CliInputException($"--think '{value}' is not valid: use auto, on, off, or a positive token budget."),
    };
}
