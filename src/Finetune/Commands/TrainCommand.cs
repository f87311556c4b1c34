using System.CommandLine;
using System.Globalization;
using DynamicCot.Cli;
using DynamicCot.Finetune.Model;
using DynamicCot.Finetune.Training;
using Spectre.Console;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Llama;

namespace DynamicCot.Finetune.Commands;

/// <summary>
/// <c>train --model HF_DIR --data posts.jsonl --strategy sft|cot|multitask|dynamic|zero-shot [--full] --epochs N
/// --out RUN_DIR</c>: LoRA or full fine-tuning on TorchSharp in a worker process, with a progress bar, checkpoints,
/// <c>--resume</c>, and Ctrl-C that saves before it stops.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "Hugging Face checkpoint directory (Qwen2-VL / Qwen2.5-VL / Qwen3-VL: config.json, safetensors, tokenizer).", Required = true };
        var gguf = new Option<FileInfo?>("--gguf") { Description = "The checkpoint's language-model GGUF, for tokenizing (default: converted into RUN_DIR/base)." };
        var mmproj = new Option<FileInfo?>("--mmproj") { Description = "The checkpoint's projector GGUF, for image embeddings (default: converted into RUN_DIR/base)." };
        var full = new Option<bool>("--full") { Description = "Full fine-tuning of every language-model weight instead of LoRA." };
        var trainVision = new Option<bool>("--train-vision") { Description = "Also train the vision tower (its LoRA, or every vision weight with --full); slower, more memory. Serve the merged model: LoRA adapters do not carry it." };
        var checkpointing = new Option<bool>("--gradient-checkpointing") { Description = "Recompute each decoder layer (and trained vision block) in backward instead of keeping its activations: less memory, about one more forward pass of time." };
        var precision = new Option<string>("--precision") { Description = "fp32, or bf16: matrix products in BF16, weights, optimizer state and loss in F32 (refused where the device cannot multiply BF16).", DefaultValueFactory = _ => "fp32" };
        var frozenWeights = new Option<string>("--frozen-weights") { Description = "LoRA: the frozen base's matrices in bf16 (half the memory) or fp32; full fine-tuning is always fp32.", DefaultValueFactory = _ => "bf16" };
        var device = new Option<string>("--device") { Description = "cpu, or cuda (needs the CUDA build of LibTorch; see docs/training.md).", DefaultValueFactory = _ => "cpu" };
        var data = new Option<FileInfo>("--data") { Description = "Training posts (JSONL: id, text, image, keyphrases, rationale).", Required = true };
        var strategy = new Option<string>("--strategy") { Description = "zero-shot, sft, cot, multitask or dynamic.", DefaultValueFactory = _ => "dynamic" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs (the paper: 5 for 2B/3B models).", DefaultValueFactory = _ => 5 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Run folder: config, metrics.jsonl, checkpoints, adapter.gguf, merged/, loss.svg.", Required = true };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 1e-4f };
        var warmup = new Option<double>("--warmup") { Description = "Warm-up share of all steps.", DefaultValueFactory = _ => 0.03 };
        var weightDecay = new Option<float>("--weight-decay") { DefaultValueFactory = _ => 0.01f };
        var batch = new Option<int>("--batch-size") { Description = "Sequences per forward/backward pass.", DefaultValueFactory = _ => 4 };
        var accumulation = new Option<int>("--grad-accum") { Description = "Passes per optimizer step.", DefaultValueFactory = _ => 1 };
        var clip = new Option<double>("--max-grad-norm") { Description = "Global gradient-norm clip (0: off).", DefaultValueFactory = _ => 1.0 };
        var rank = new Option<int>("--rank") { Description = "LoRA rank.", DefaultValueFactory = _ => 8 };
        var alpha = new Option<float>("--alpha") { Description = "LoRA alpha.", DefaultValueFactory = _ => 16f };
        var targets = new Option<string>("--targets") { Description = "Comma-separated projections.", DefaultValueFactory = _ => "attn_q,attn_k,attn_v,attn_output,ffn_gate,ffn_up,ffn_down" };
        var gamma = new Option<double>("--gamma") { Description = "Dynamic CoT threshold on the SFT loss.", DefaultValueFactory = _ => 0.4 };
        var refresh = new Option<string>("--refresh") { Description = "When Dynamic CoT recomputes L_sft: epoch or step.", DefaultValueFactory = _ => "epoch" };
        var invert = new Option<bool>("--invert") { Description = "Train on CoT when L_sft ≥ γ instead of < γ." };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 42 };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Checkpoint every N steps (and at each epoch end).", DefaultValueFactory = _ => 50 };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => LlamaThreads.Default };
        var imageTokens = new Option<int>("--image-max-tokens", "--image-tokens") { Description = "Image token budget per image (fewer is faster); recorded with the run so serving uses the same.", DefaultValueFactory = _ => ImageTokenBudget.TrainingDefault };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Skip posts whose prompt + target is longer.", DefaultValueFactory = _ => 2048 };
        var eps = new Option<string>("--rms-eps") { Description = "serving (eps = 0, as the pinned llama.cpp runs qwen2vl) or file.", DefaultValueFactory = _ => "serving" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its latest checkpoint." };
        var command = new Command("train", "Fine-tune a Qwen2-VL / Qwen2.5-VL / Qwen3-VL checkpoint with LoRA or fully (SFT, Fine-tune-CoT, multi-task or Dynamic CoT).")
        {
            model, gguf, mmproj, full, trainVision, checkpointing, precision, frozenWeights, device, data, strategy, epochs, output, lr, warmup, weightDecay, batch, accumulation, clip, rank, alpha, targets,
            gamma, refresh, invert, seed, checkpointEvery, threads, imageTokens, maxTokens, eps, resume,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var runDirectory = parse.GetValue(output)!.FullName;
            var configPath = Path.Combine(runDirectory, TrainingRunConfig.FileName);
            TrainingRunOptions options;
            if (parse.GetValue(resume) && File.Exists(configPath))
            {
                options = TrainingRunConfig.Read(configPath);
                TrainingPreflight.Check(options);
            }
            else
            {
                options = new TrainingRunOptions
                {
                    ModelPath = parse.GetValue(model)!.FullName,
                    ServingModelPath = parse.GetValue(gguf)?.FullName,
                    ProjectorPath = parse.GetValue(mmproj)?.FullName,
                    Mode = parse.GetValue(full) ? FineTuneMode.Full : FineTuneMode.Lora,
                    TrainVision = parse.GetValue(trainVision),
                    GradientCheckpointing = parse.GetValue(checkpointing),
                    Precision = ParsePrecision(parse.GetValue(precision)!),
                    FrozenWeights = ParseFrozenWeights(parse.GetValue(frozenWeights)!),
                    Device = parse.GetValue(device)!,
                    DataPath = parse.GetValue(data)!.FullName,
                    OutputDirectory = runDirectory,
                    Strategy = TrainingStrategies.Parse(parse.GetValue(strategy)!),
                    Epochs = parse.GetValue(epochs),
                    LearningRate = parse.GetValue(lr),
                    WarmupRatio = parse.GetValue(warmup),
                    WeightDecay = parse.GetValue(weightDecay),
                    BatchSize = parse.GetValue(batch),
                    GradientAccumulation = parse.GetValue(accumulation),
                    MaxGradientNorm = parse.GetValue(clip),
                    Lora = new LoraOptions
                    {
                        Rank = parse.GetValue(rank), Alpha = parse.GetValue(alpha), Seed = parse.GetValue(seed),
                        Targets = parse.GetValue(targets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    },
                    Gamma = parse.GetValue(gamma),
                    Refresh = parse.GetValue(refresh)!.Trim().ToLowerInvariant() switch
                    {
                        "epoch" => LossRefresh.Epoch,
                        "step" => LossRefresh.Step,
                        var other => throw new CliInputException($"--refresh '{other}': use epoch or step."),
                    },
                    InvertComparison = parse.GetValue(invert),
                    Seed = parse.GetValue(seed),
                    CheckpointEvery = parse.GetValue(checkpointEvery),
                    Threads = parse.GetValue(threads),
                    ImageMaxTokens = parse.GetValue(imageTokens),
                    MaxSequenceTokens = parse.GetValue(maxTokens),
                    RmsEpsilon = parse.GetValue(eps)!.Trim().ToLowerInvariant() switch
                    {
                        "serving" => RmsNormEpsilon.Serving,
                        "file" => RmsNormEpsilon.FromFile,
                        var other => throw new CliInputException($"--rms-eps '{other}': use serving or file."),
                    },
                };
                TrainingPreflight.Check(options);
                configPath = TrainingRunConfig.Write(options);
            }

            var start = TrainingWorkerStartInfo.ForFinetuneWorker(configPath);
            if (parse.GetValue(resume))
                start = start with { Arguments = [.. start.Arguments, "--resume"] };
            var host = new TrainingWorkerHost(start, new TrainingWorkerHostOptions { RunDirectory = runDirectory });
            TrainingWorkerResult result = null!;
            await CliApplication.Stderr.Progress()
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("preparing data", maxValue: 1);
                    var progress = new SynchronousProgress<TrainingEvent>(e => Show(task, e));
                    result = await host.RunAsync(progress, cancellationToken);
                    task.Value = task.MaxValue;
                });

            var plot = TrainingReport.WriteLossCurve(runDirectory);
            if (result.Outcome == TrainingWorkerOutcome.Stopped)
            {
                Console.Error.WriteLine($"stopped; resume with: dynamiccot-finetune train --out {runDirectory} --resume (checkpoint {result.FinalEvent.CheckpointPath})");
                return CliApplication.ExitCancelled;
            }
            var adapterFile = Path.Combine(runDirectory, TrainingRun.AdapterFileName);
            if (File.Exists(adapterFile))
            {
                Console.WriteLine($"adapter: {adapterFile}");
                if (options.TrainVision)
                    Console.WriteLine($"note: {TrainingRun.VisionAdapterNote}");
            }
            Console.WriteLine($"merged checkpoint: {Path.Combine(runDirectory, Torch.MergedCheckpointWriter.FolderName)}");
            Console.WriteLine($"metrics: {Path.Combine(runDirectory, MetricsLog.FileName)}");
            if (plot is not null)
                Console.WriteLine($"loss curve: {plot}");
            return CliApplication.ExitOk;
        });
        return command;
    }

    private static Torch.MatmulPrecision ParsePrecision(string text) => AsCliInput(() => Torch.MatmulPrecisions.Parse(text));

    private static FrozenWeightFormat ParseFrozenWeights(string text) => AsCliInput(() => FrozenWeightFormats.Parse(text));

    private static T AsCliInput<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (ArgumentException e)
        {
            throw new CliInputException(e.Message);
        }
    }

    private static void Show(ProgressTask task, TrainingEvent e)
    {
        switch (e.Kind)
        {
            case TrainingRunPlan.Kind:
                task.MaxValue = Math.Max(1, e.Fields["total_steps"]!.GetValue<long>());
                task.Description = "training";
                break;
            case TrainingEvent.StepKind:
                task.Value = e.Step ?? task.Value;
                task.Description = string.Create(CultureInfo.InvariantCulture,
                    $"epoch {e.Epoch} · loss {e.Loss:F3} · lr {e.LearningRate:0.##e+0} · {e.TokensPerSecond:F0} tok/s");
                break;
            case TrainingEvent.EpochKind:
                CliApplication.Stderr.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {e.Epoch}: mean loss {e.Fields["mean_loss"]?.GetValue<double>():F4}, CoT {e.Fields["cot"]}, SFT {e.Fields["sft"]}, SFT fallback {e.Fields["fallback_sft"]}")));
                break;
            case TrainingEvent.LogKind:
                CliApplication.Stderr.MarkupLine($"[grey]{Markup.Escape(e.Message ?? "")}[/]");
                break;
        }
    }
}
