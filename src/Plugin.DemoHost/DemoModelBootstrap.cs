using System.Text.Json;
using DynamicCot.Finetune.Torch;
using DynamicCot.Finetune.Training;
using DynamicCot.Keyphrases.Data;
using DynamicCot.Keyphrases.Data.Import;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Qwen;
using DynamicCot.ModelFiles.Quantization;
using DynamicCot.Llama;

namespace DynamicCot.Plugin.DemoHost;

/// <summary>The demo model files, once prepared.</summary>
public sealed record DemoModel(string LanguageModel, string Projector, long TrainingSteps, double FinalLoss);

/// <summary>
/// Prepares the demo's model on first run when no real model is configured: a tiny Qwen2-VL of the real architecture
/// (random weights, tokenizer learned from the fixture posts), converted to GGUF, fine-tuned with SFT on the demo's own
/// posts and photos in a worker process, merged and quantized to Q8_0. The result is cached (by default under
/// <c>~/.cache/dynamiccot/demo-model-v3</c>), so later starts are instant. It shows the whole pipeline working; a tiny
/// model's tags are of course not good ones — configure a real model for that.
/// </summary>
public sealed class DemoModelBootstrap(string cacheFolder, string dataFolder, ILogger<DemoModelBootstrap> logger)
{
    private const string ManifestName = "demo-model.json";
    private readonly object _gate = new();
    private Task<DemoModel>? _preparing;

    /// <summary>What is happening now, for the "model is being prepared" message.</summary>
    public string Stage { get; private set; } = "not started";

    public Task<DemoModel> EnsureStarted()
    {
        lock (_gate)
            return _preparing ??= Task.Run(Prepare);
    }

    public static string DefaultCacheFolder()
    {
        var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "dynamiccot", "demo-model-v3"); // v3: records its image budget in the GGUF
    }

    private async Task<DemoModel> Prepare()
    {
        Directory.CreateDirectory(cacheFolder);
        var manifest = Path.Combine(cacheFolder, ManifestName);
        if (File.Exists(manifest) && JsonSerializer.Deserialize<DemoModel>(File.ReadAllText(manifest)) is { } cached
            && File.Exists(cached.LanguageModel) && File.Exists(cached.Projector))
        {
            Stage = "ready";
            logger.LogInformation("Demo model from cache: {Model}", cached.LanguageModel);
            return cached;
        }
        try
        {
            return await Build(manifest);
        }
        catch (Exception e)
        {
            Stage = $"failed: {e.Message}";
            logger.LogError(e, "Preparing the demo model failed");
            throw;
        }
    }

    private async Task<DemoModel> Build(string manifest)
    {
        var work = Path.Combine(cacheFolder, "work");
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);

        Step("making a tiny Qwen2-VL checkpoint");
        var checkpoint = Path.Combine(work, "hf");
        TinyQwenVlFactory.Create(checkpoint, new TinyModelOptions { Architecture = QwenVlArchitecture.Qwen2Vl, HiddenSize = 128, Layers = 2, Seed = 2025 },
            TinyCorpus.Read(DemoCorpus()));

        Step("converting to GGUF");
        var f32 = Path.Combine(work, "lm-f32.gguf");
        var projector = Path.Combine(cacheFolder, "mmproj-f32.gguf");
        QwenVlGgufConverter.Convert(checkpoint, f32, projector, new ConversionOptions { OutputType = GgufOutputType.F32, ModelName = "dynamiccot-demo" });

        Step("collecting the demo posts");
        var data = Path.Combine(work, "demo-train.jsonl");
        using (var writer = new DatasetWriter(data))
        {
            foreach (var (format, file) in new[] { (DatasetImportFormat.Vmu, "vmu16_small_events/data.jsonl"), (DatasetImportFormat.Flickr, "flickr10/data.jsonl") })
            {
                var source = Path.Combine(dataFolder, file);
                foreach (var post in DatasetImporter.Read(format, source))
                    writer.Write(post, Path.GetDirectoryName(source)!);
            }
        }

        Step("fine-tuning (SFT) in a worker process");
        var run = Path.Combine(work, "run");
        var options = new TrainingRunOptions
        {
            ModelPath = checkpoint, ServingModelPath = f32, ProjectorPath = projector, DataPath = data, OutputDirectory = run, Strategy = TrainingStrategy.Sft,
            Epochs = 12, LearningRate = 5e-3f, BatchSize = 8, ImageMaxTokens = 32, Threads = LlamaThreads.Default,
            Lora = new Finetune.ModelOptions.LoraOptions { Rank = 16, Alpha = 32 }, CheckpointEvery = 0, WarmupRatio = 0.05,
        };
        TrainingPreflight.Check(options);
        var config = TrainingRunConfig.Write(options);
        long steps = 0, total = 0;
        double loss = double.NaN;
        var reported = -1;
        var host = new TrainingWorkerHost(TrainingWorkerStartInfo.ForFinetuneWorker(config), new TrainingWorkerHostOptions { RunDirectory = run });
        var result = await host.RunAsync(new SynchronousTrainingProgress(e =>
        {
            if (e.Kind == TrainingRunPlan.Kind)
                total = e.Fields["total_steps"]!.GetValue<long>();
            if (e.Kind != TrainingEvent.StepKind)
                return;
            steps = e.Step ?? steps;
            loss = e.Loss ?? loss;
            var percent = total > 0 ? (int)(100 * steps / total) : 0;
            Stage = $"fine-tuning {percent}% (step {steps}/{total}, loss {loss:F2})";
            // A text progress bar in the log, every 10%.
            if (percent / 10 > reported)
            {
                reported = percent / 10;
                logger.LogInformation("Demo model: [{Bar}] {Stage}", new string('#', reported) + new string('.', 10 - reported), Stage);
            }
        }), CancellationToken.None);
        if (result.Outcome != TrainingWorkerOutcome.Completed)
            throw new InvalidOperationException("Demo model training did not complete.");

        Step("converting the merged checkpoint and quantizing to Q8_0");
        var merged = Path.Combine(work, "lm-merged-f32.gguf");
        QwenVlGgufConverter.Convert(Path.Combine(run, MergedCheckpointWriter.FolderName), merged, Path.Combine(work, "mmproj-merged-f32.gguf"),
            new ConversionOptions { OutputType = GgufOutputType.F32, ModelName = "dynamiccot-demo" });
        var language = Path.Combine(cacheFolder, "lm-q8_0.gguf");
        GgufQuantizer.Quantize(merged, language, QuantizationPreset.Q8_0);

        var model = new DemoModel(language, projector, steps, loss);
        File.WriteAllText(manifest, JsonSerializer.Serialize(model));
        Directory.Delete(work, recursive: true);
        Stage = "ready";
        logger.LogInformation("Demo model ready: {Model} ({Steps} training steps, final loss {Loss:F3})", language, steps, loss);
        return model;
    }

    private sealed class SynchronousTrainingProgress(Action<TrainingEvent> report) : IProgress<TrainingEvent>
    {
        public void Report(TrainingEvent value) => report(value);
    }

    private IEnumerable<string> DemoCorpus() =>
        new[] { "vmu16_small_events/data.jsonl", "flickr10/data.jsonl", "cmkp_dev/train_sample200.jsonl" }
            .Select(f => Path.Combine(dataFolder, f)).Where(File.Exists);

    private void Step(string stage)
    {
        Stage = stage;
        logger.LogInformation("Demo model: {Stage}", stage);
    }
}
