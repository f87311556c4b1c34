using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DynamicCot.Cli;
using DynamicCot.Inference.Generation;
using DynamicCot.Tools.Teacher;
using Spectre.Console;
using DynamicCot.Llama;

namespace DynamicCot.Finetune.Commands;

/// <summary>
/// <c>data teacher --data IN.jsonl --out OUT.jsonl (--endpoint URL --model NAME | --model TEACHER.gguf [--mmproj MM.gguf])</c>:
/// adds teacher rationales to a dataset (Fine-tune-CoT's teacher step), resumably.
/// </summary>
public static class TeacherCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Required = true, Description = "Dataset to add rationales to (JSONL)." };
        var output = new Option<string>("--out") { Required = true, Description = "Dataset to write: every post, with kept rationales." };
        var journal = new Option<string?>("--journal") { Description = "Append-only reply journal that makes runs resumable (default: OUT's name + .teacher-log.jsonl)." };
        var endpoint = new Option<string?>("--endpoint") { Description = "OpenAI-compatible API base URL (e.g. https://api.openai.com/v1; a .../chat/completions URL is accepted). Without it, --model is a local GGUF." };
        var model = new Option<string>("--model") { Required = true, Description = "With --endpoint: the model name; otherwise the teacher's language-model GGUF." };
        var mmproj = new Option<FileInfo?>("--mmproj") { Description = "Local teacher: its multimodal projector GGUF (without it, images are not shown to it)." };
        var apiKeyEnv = new Option<string?>("--api-key-env") { Description = "Environment variable holding the API key (default OPENAI_API_KEY; a local server may need none)." };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight at once.", DefaultValueFactory = _ => 4 };
        var minAgreement = new Option<double>("--min-agreement") { Description = "Keep a rationale when its answer's F1 against the gold keyphrases (stemmed) is at least this.", DefaultValueFactory = _ => 0.5 };
        var keepAll = new Option<bool>("--keep-all") { Description = "Keep every rationale, agreeing or not." };
        var limit = new Option<int?>("--limit") { Description = "Send at most this many posts in this run (a trial run; run again to continue)." };
        var priceIn = new Option<decimal>("--price-in") { Description = "Dollars per 1M prompt tokens, for the cost estimate.", DefaultValueFactory = _ => 0m };
        var priceOut = new Option<decimal>("--price-out") { Description = "Dollars per 1M completion tokens.", DefaultValueFactory = _ => 0m };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens the teacher writes per post.", DefaultValueFactory = _ => 300 };
        var temperature = new Option<double>("--temperature") { Description = "Endpoint sampling temperature.", DefaultValueFactory = _ => 0 };
        var imageDetail = new Option<string>("--image-detail") { Description = "low, high, auto, or none (leave the field out).", DefaultValueFactory = _ => "auto" };
        var maxAttempts = new Option<int>("--max-attempts") { Description = "Sends per post before it is recorded as failed (retries on 429, 5xx, timeouts, dropped connections).", DefaultValueFactory = _ => 6 };
        var timeout = new Option<double>("--timeout") { Description = "Seconds per request attempt.", DefaultValueFactory = _ => 120 };
        var retryBase = new Option<double>("--retry-base") { Description = "Seconds of the first backoff (doubles per retry, with jitter; a server's Retry-After wins).", DefaultValueFactory = _ => 1 };
        var rationaleTokens = new Option<int>("--rationale-tokens") { Description = "Local teacher: most rationale tokens.", DefaultValueFactory = _ => 160 };
        var threads = new Option<int>("--threads") { Description = "Local teacher: CPU threads.", DefaultValueFactory = _ => LlamaThreads.Default };
        var gpuLayers = new Option<int>("--gpu-layers") { Description = "Local teacher: layers on the GPU (-1 all).", DefaultValueFactory = _ => -1 };
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object." };
        var command = new Command("teacher", "Ask a teacher VLM for rationales leading to each post's gold keyphrases; resumable, keeps agreeing ones.")
        {
            data, output, journal, endpoint, model, mmproj, apiKeyEnv, concurrency, minAgreement, keepAll, limit, priceIn, priceOut,
            maxTokens, temperature, imageDetail, maxAttempts, timeout, retryBase, rationaleTokens, threads, gpuLayers, json,
        };
        EngineOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var runOptions = new TeacherRunOptions
            {
                DataPath = parse.GetValue(data)!,
                OutputPath = parse.GetValue(output)!,
                JournalPath = parse.GetValue(journal),
                Concurrency = parse.GetValue(concurrency),
                MinAgreement = parse.GetValue(minAgreement),
                KeepAll = parse.GetValue(keepAll),
                Limit = parse.GetValue(limit),
                PricePerMillionInput = parse.GetValue(priceIn),
                PricePerMillionOutput = parse.GetValue(priceOut),
            };
            var endpointUrl = parse.GetValue(endpoint);
            TeacherRunSummary summary;
            string description;
            if (endpointUrl is not null)
            {
                if (parse.GetValue(mmproj) is not null)
                    throw new CliInputException("--mmproj is for a local GGUF teacher; an --endpoint teacher sees the image itself.");
                var retry = new TeacherRetryOptions
                {
                    MaxAttempts = parse.GetValue(maxAttempts),
                    AttemptTimeout = Seconds(parse.GetValue(timeout), "--timeout"),
                    BaseDelay = Seconds(parse.GetValue(retryBase), "--retry-base"),
                };
                var detail = parse.GetValue(imageDetail)!.Trim().ToLowerInvariant();
                if (detail is not ("low" or "high" or "auto" or "none"))
                    throw new CliInputException($"--image-detail '{detail}' is not valid: use low, high, auto or none.");
                using var teacher = new OpenAiCompatibleTeacher(new OpenAiEndpointOptions
                {
                    Endpoint = ParseEndpoint(endpointUrl),
                    Model = parse.GetValue(model)!,
                    ApiKey = ApiKey(parse.GetValue(apiKeyEnv)),
                    Retry = retry,
                }, new ChatClientTeacherOptions
                {
                    MaxOutputTokens = parse.GetValue(maxTokens),
                    Temperature = (float)parse.GetValue(temperature),
                    ImageDetail = detail == "none" ? null : detail,
                });
                description = teacher.Description;
                summary = await RunWithProgressAsync(teacher, runOptions, cancellationToken);
                ConsoleOutput.Stderr().MarkupLine($"[grey]{teacher.Attempts} HTTP requests, {teacher.Retries} of them retries[/]");
            }
            else
            {
                var gguf = new FileInfo(parse.GetValue(model)!);
                if (!gguf.Exists)
                    throw new CliInputException($"--model {gguf.FullName}: no such GGUF file (for an endpoint teacher, give --endpoint).");
                EngineOptions.Apply(parse);
                using var teacher = LocalModelTeacher.Start(new KeyphraseEngineOptions
                {
                    ModelPath = gguf.FullName,
                    ProjectorPath = parse.GetValue(mmproj)?.FullName,
                    Threads = parse.GetValue(threads),
                    GpuLayers = parse.GetValue(gpuLayers),
                    MaxParallelSequences = Math.Clamp(runOptions.Concurrency, 1, 64),
                }, parse.GetValue(rationaleTokens));
                description = teacher.Description;
                summary = await RunWithProgressAsync(teacher, runOptions, cancellationToken);
            }
            Print(summary, description, parse.GetValue(json));
            if (summary.Cancelled)
                throw new OperationCanceledException("cancelled; run the same command again to resume");
            return CliApplication.ExitOk;
        });
        return command;
    }

    private static async Task<TeacherRunSummary> RunWithProgressAsync(ITeacherModel teacher, TeacherRunOptions options, CancellationToken cancellationToken)
    {
        TeacherRunSummary? summary = null;
        await ConsoleOutput.Stderr().Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("teacher", maxValue: 1);
                var progress = new SynchronousProgress<TeacherProgress>(p =>
                {
                    task.MaxValue = Math.Max(1, p.ToDo);
                    task.Value = p.Done;
                    task.Description = $"teacher: kept {p.Kept}, dropped {p.Dropped}, failed {p.Failed}";
                });
                summary = await TeacherRun.RunAsync(teacher, options, progress, cancellationToken);
                task.Value = task.MaxValue;
            });
        return summary!;
    }

    private static void Print(TeacherRunSummary s, string teacher, bool asJson)
    {
        if (asJson)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                teacher,
                posts = s.Posts,
                asked = s.Asked,
                alreadyAnswered = s.AlreadyAnswered,
                hadRationale = s.HadRationale,
                unlabelled = s.Unlabelled,
                kept = s.Kept,
                dropped = s.Dropped,
                failed = s.Failed,
                pending = s.Pending,
                cancelled = s.Cancelled,
                thisRun = Usage(s.ThisRun),
                allRuns = Usage(s.AllRuns),
                output = s.OutputPath,
                journal = s.JournalPath,
            }));
            return;
        }
        var c = CultureInfo.InvariantCulture;
        Console.Out.WriteLine($"teacher {teacher}: {s.Posts} posts; asked {s.Asked} now, {s.AlreadyAnswered} answered before; " +
            $"{s.HadRationale} had a rationale, {s.Unlabelled} without keyphrases");
        Console.Out.WriteLine($"kept {s.Kept}, dropped {s.Dropped} (no rationale or answer disagreeing with the gold set), failed {s.Failed}, pending {s.Pending}");
        Console.Out.WriteLine(string.Create(c, $"tokens this run: {s.ThisRun.PromptTokens} prompt + {s.ThisRun.CompletionTokens} completion = ${s.ThisRun.Cost:0.0000}; " +
            $"all runs: {s.AllRuns.PromptTokens} + {s.AllRuns.CompletionTokens} = ${s.AllRuns.Cost:0.0000}"));
        foreach (var failure in s.FailureSamples)
            Console.Out.WriteLine($"failed: {failure}");
        Console.Out.WriteLine($"wrote {s.OutputPath} (journal {s.JournalPath})");
    }

    private static object Usage(TokenUsage u) => new { promptTokens = u.PromptTokens, completionTokens = u.CompletionTokens, cost = u.Cost };

    private static Uri ParseEndpoint(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new CliInputException($"--endpoint '{value}' is not an absolute http(s) URL.");

    private static TimeSpan Seconds(double value, string option) =>
        value > 0 && double.IsFinite(value) ? TimeSpan.FromSeconds(value) : throw new CliInputException($"{option} must be a positive number of seconds, got {value}.");

    /// <summary>
    /// The key comes from the environment, never the command line (which lands in shell history and process lists).
    /// A variable named explicitly must exist; the default one may be missing, for local servers without keys.
    /// </summary>
    private static string? ApiKey(string? variable)
    {
        var name = variable ?? "OPENAI_API_KEY";
        var key = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(key) && variable is not null)
            throw new CliInputException($"--api-key-env {name}: that environment variable is not set.");
        if (string.IsNullOrEmpty(key))
            ConsoleOutput.Stderr().MarkupLine($"[yellow]{name} is not set: sending requests without an API key.[/]");
        return string.IsNullOrEmpty(key) ? null : key;
    }
}
