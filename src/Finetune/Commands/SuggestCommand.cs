using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DynamicCot.Cli;
using DynamicCot.Inference.Generation;
using DynamicCot.Keyphrases.Suggestions;
using Spectre.Console;
using DynamicCot.Llama;

namespace DynamicCot.Finetune.Commands;

/// <summary><c>suggest --model LM.gguf [--mmproj MM.gguf] --text "…" [--image photo.jpg] [--think auto|on|off|N] [--json]</c>.</summary>
public static class SuggestCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "Language-model GGUF.", Required = true };
        var mmproj = new Option<FileInfo?>("--mmproj") { Description = "Multimodal projector GGUF (needed for --image)." };
        var adapter = new Option<FileInfo?>("--adapter") { Description = "LoRA adapter GGUF from `train` (instead of merging it)." };
        var text = new Option<string>("--text") { Description = "The post's text.", Required = true };
        var image = new Option<FileInfo?>("--image") { Description = "The post's image (JPEG, PNG, WebP or GIF)." };
        var think = new Option<string>("--think") { Description = "auto (the model decides), on (always reason), off, or a token budget N. A Thinking checkpoint reasons in its own <think> block; off gives it the empty block its template writes for a turn without reasoning.", DefaultValueFactory = _ => "auto" };
        var max = new Option<int>("--max") { Description = "Most keyphrases.", DefaultValueFactory = _ => 10 };
        var tags = new Option<string[]>("--existing-tag") { Description = "A site tag to prefer when a suggestion matches it (repeatable).", AllowMultipleArgumentsPerToken = true };
        var temperature = new Option<float>("--temperature") { Description = "0 for greedy (default, reproducible).", DefaultValueFactory = _ => 0f };
        var seed = new Option<uint>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 42 };
        var threads = new Option<int>("--threads") { Description = "CPU threads (default: all cores).", DefaultValueFactory = _ => LlamaThreads.Default };
        var gpuLayers = new Option<int>("--gpu-layers") { Description = "Layers on the GPU (-1 all).", DefaultValueFactory = _ => -1 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var imageTokens = new Option<int?>("--image-max-tokens") { Description = "Image token budget (default: the one the model was trained with, recorded in its GGUF; -1: the projector's default). Another value is used with a warning." };
        var command = new Command("suggest", "Suggest keyphrases for a post's text and optional image.")
        {
            model, mmproj, adapter, text, image, think, max, tags, temperature, seed, threads, gpuLayers, json, imageTokens,
        };
        EngineOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            EngineOptions.Apply(parse);
            var options = new SuggestionOptions
            {
                MaxKeyphrases = parse.GetValue(max),
                ExistingTags = parse.GetValue(tags),
                Sampling = new SamplingOptions { Temperature = parse.GetValue(temperature), Seed = parse.GetValue(seed) },
            };
            options = ThinkingOption.Apply(parse.GetValue(think)!, options);
            var imagePath = parse.GetValue(image);
            if (imagePath is not null && parse.GetValue(mmproj) is null)
                throw new CliInputException("--image needs --mmproj (the multimodal projector of the model).");
            using var logging = CliLogging.EngineWarnings();
            await using var engine = KeyphraseEngine.Start(new KeyphraseEngineOptions
            {
                ModelPath = parse.GetValue(model)!.FullName,
                ProjectorPath = parse.GetValue(mmproj)?.FullName,
                AdapterPath = parse.GetValue(adapter)?.FullName,
                Threads = parse.GetValue(threads),
                ImageMaxTokens = parse.GetValue(imageTokens),
                GpuLayers = parse.GetValue(gpuLayers),
                MaxParallelSequences = 1,
            }, logging);
            var input = imagePath is null ? null : await ImageInput.FromFileAsync(imagePath.FullName, cancellationToken);
            var result = await engine.SuggestAsync(parse.GetValue(text)!, input, options, cancellationToken);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    keyphrases = result.Keyphrases.Select(k => new { text = k.Text, confidence = Math.Round(k.Confidence, 4), existingTag = k.MatchedExistingTag }),
                    droppedKeyphrases = result.DroppedKeyphrases,
                    rationale = result.Rationale,
                    promptTokens = result.PromptTokens,
                    generatedTokens = result.GeneratedTokens,
                    promptMs = Math.Round(result.PromptTime.TotalMilliseconds, 1),
                    generationMs = Math.Round(result.GenerationTime.TotalMilliseconds, 1),
                    raw = result.RawOutput,
                }));
                return CliApplication.ExitOk;
            }
            var table = new Table().Border(TableBorder.Rounded).AddColumn("keyphrase").AddColumn(new TableColumn("confidence").RightAligned());
            foreach (var k in result.Keyphrases)
                table.AddRow(Markup.Escape(k.Text) + (k.MatchedExistingTag ? " [grey](existing tag)[/]" : ""), k.Confidence.ToString("P1", CultureInfo.InvariantCulture));
            AnsiConsole.Write(table);
            if (result.Rationale is { } rationale)
                AnsiConsole.MarkupLine($"[grey]rationale:[/] {Markup.Escape(rationale)}");
            AnsiConsole.MarkupLine($"[grey]{result.PromptTokens} prompt tokens in {result.PromptTime.TotalMilliseconds:F0} ms, {result.GeneratedTokens} generated in {result.GenerationTime.TotalMilliseconds:F0} ms[/]");
            return CliApplication.ExitOk;
        });
        return command;
    }
}
