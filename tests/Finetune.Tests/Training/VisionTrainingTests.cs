using DynamicCot.Finetune.Torch;
using DynamicCot.Finetune.Training;
using DynamicCot.Inference.Llama;
using DynamicCot.Llama.Native;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Lora;
using DynamicCot.ModelFiles.Qwen;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DynamicCot.Finetune.Tests.Training;

/// <summary>
/// <c>train --train-vision</c>: the images go through the TorchSharp tower inside the forward pass, its LoRA (or its
/// weights) train with the language model, checkpoints resume it exactly, and the merged checkpoint converts to an
/// mmproj that serves the trained tower.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class VisionTrainingTests(TinyModels models, ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-trainvision");

    private TrainingRunOptions Options(string run, int posts = 4, int epochs = 3, QwenVlArchitecture arch = QwenVlArchitecture.Qwen2Vl) => new()
    {
        ModelPath = models.Get(arch).Checkpoint,
        ServingModelPath = models.Get(arch).LanguageModel,
        ProjectorPath = models.Get(arch).Projector,
        DataPath = TrainingData.Write(_folder, posts),
        OutputDirectory = _folder.File(run),
        EmbeddingCacheDirectory = _folder.File("embeddings"),
        Strategy = TrainingStrategy.Sft, Epochs = epochs, BatchSize = 2, LearningRate = 5e-3f, Threads = 2, ImageMaxTokens = 16,
        Lora = new DynamicCot.Finetune.ModelOptions.LoraOptions { Rank = 4, Alpha = 8 }, CheckpointEvery = 0, WarmupRatio = 0,
        TrainVision = true,
    };

    [Theory]
    [InlineData(QwenVlArchitecture.Qwen2Vl, 112, 84)]
    [InlineData(QwenVlArchitecture.Qwen3Vl, 128, 96)]
    public async Task Vision_lora_trains_with_the_language_model_and_the_merged_mmproj_serves_the_trained_tower(QwenVlArchitecture arch, int width, int height)
    {
        var options = Options($"run-{arch}", arch: arch);
        using var session = new TrainerSession(options, output.WriteLine);
        Assert.NotNull(session.Vision);
        Assert.NotEmpty(session.VisionTrainable);
        Assert.All(session.VisionTrainable, t => Assert.StartsWith("visual.blocks.", t.Name));
        var all = Enumerable.Range(0, session.Examples.Count).ToArray();
        Assert.All(session.Examples, e => Assert.NotNull(e.ImagePath));
        var before = session.SftLosses(all).Average();
        session.Train(new TrainerHooks { LearningRate = _ => 5e-3f }, TrainerPosition.Start, default);
        var after = session.SftLosses(all).Average();
        // B starts at zero, so a vision pair that moved got gradients through the image rows.
        var moved = session.VisionTrainable.Where(t => t.Name.EndsWith("lora_b", StringComparison.Ordinal))
            .Max(t => TorchTensors.ToFloats(t.Tensor).Max(Math.Abs));
        output.WriteLine($"mean SFT loss on {all.Length} image posts {before:F3} → {after:F3}; largest vision LoRA B entry {moved:E2}");
        Assert.True(after < before * 0.8, $"{before} → {after}");
        Assert.True(moved > 1e-3, "the vision LoRA did not train");

        // The merged checkpoint carries the trained tower: its mmproj (through convert) gives, in mtmd, the trained
        // TorchSharp tower's embeddings for a photo crop of a size mtmd keeps (so no resampling enters).
        var merged = MergedCheckpointWriter.Write(session.Model, options.ModelPath, _folder.File($"merged-{arch}"), session.Vision);
        var lm = _folder.File($"merged-{arch}.gguf");
        var mmproj = _folder.File($"merged-{arch}-mmproj.gguf");
        QwenVlGgufConverter.Convert(merged, lm, mmproj, new ConversionOptions { OutputType = GgufOutputType.F32 });
        var crop = await DynamicCot.Finetune.Tests.Torch.VisionTowerParityTests.PhotoCrop(width, height);
        float[] trained, served, frozen;
        using (no_grad())
        using (var pixels = session.Vision!.Pixels(crop, width, height, PreprocessorConfig.Load(options.ModelPath), "crop"))
        using (var embeddings = session.Vision.Embed(pixels))
            trained = TorchTensors.ToFloats(embeddings);
        served = MtmdEmbeddings(lm, mmproj, crop, width, height);
        frozen = MtmdEmbeddings(models.Get(arch).LanguageModel, models.Get(arch).Projector, crop, width, height);
        var maxDiff = trained.Zip(served, (a, b) => Math.Abs(a - b)).Max();
        var change = frozen.Zip(served, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"served mmproj vs trained tower max |Δ| {maxDiff:E2}; training moved the served embeddings by up to {change:F3}");
        Assert.True(change > 0.01, "the merged mmproj should differ from the base one");
        Assert.True(maxDiff <= 2e-3, $"max |Δ| = {maxDiff}");
    }

    [Fact]
    public void Full_fine_tuning_with_the_vision_tower_trains_every_vision_weight()
    {
        var options = Options("full", posts: 2, epochs: 1) with { Mode = FineTuneMode.Full, LearningRate = 1e-3f };
        using var session = new TrainerSession(options, output.WriteLine);
        Assert.Equal(session.Vision!.Parameters.Count, session.VisionTrainable.Count);
        string[] names = ["visual.patch_embed.proj.weight", "visual.blocks.0.norm1.weight", "visual.merger.mlp.2.bias"];
        var before = names.Select(n => TorchTensors.ToFloats(session.Vision.Parameters[n])).ToArray();
        session.Train(new TrainerHooks { LearningRate = _ => 1e-3f }, TrainerPosition.Start, default);
        for (var i = 0; i < names.Length; i++)
            Assert.True(!before[i].SequenceEqual(TorchTensors.ToFloats(session.Vision.Parameters[names[i]])), $"{names[i]} did not change");
    }

    [Fact]
    public void A_stopped_run_resumes_to_the_same_vision_weights_as_an_uninterrupted_one()
    {
        var straight = Options("straight") with { CheckpointEvery = 1 };
        Assert.Equal(TrainingEvent.DoneKind, TrainingRun.Execute(straight, resume: false, _ => { }, default).Kind);

        var interrupted = straight with { OutputDirectory = _folder.File("interrupted") };
        using (var stop = new CancellationTokenSource())
        {
            var first = TrainingRun.Execute(interrupted, resume: false, e => { if (e.Kind == TrainingEvent.StepKind && e.Step >= 3) stop.Cancel(); }, stop.Token);
            Assert.Equal(TrainingEvent.StoppedKind, first.Kind);
        }
        Assert.False(Directory.Exists(Path.Combine(interrupted.OutputDirectory, MergedCheckpointWriter.FolderName)));
        Assert.Equal(TrainingEvent.DoneKind, TrainingRun.Execute(interrupted, resume: true, _ => { }, default).Kind);

        using var a = SafetensorsCheckpoint.Open(Path.Combine(straight.OutputDirectory, MergedCheckpointWriter.FolderName));
        using var b = SafetensorsCheckpoint.Open(Path.Combine(interrupted.OutputDirectory, MergedCheckpointWriter.FolderName));
        using var original = SafetensorsCheckpoint.Open(straight.ModelPath);
        double maxDiff = 0, trained = 0;
        foreach (var tensor in a.Tensors.Where(t => t.Name.StartsWith("visual.", StringComparison.Ordinal)))
        {
            var x = a.ReadFloat32(tensor.Name);
            maxDiff = Math.Max(maxDiff, x.Zip(b.ReadFloat32(tensor.Name), (p, q) => Math.Abs(p - q)).Max());
            trained = Math.Max(trained, x.Zip(original.ReadFloat32(tensor.Name), (p, q) => Math.Abs(p - q)).Max());
        }
        var adapterA = LoraAdapterFile.Read(Path.Combine(straight.OutputDirectory, TrainingRun.AdapterFileName));
        var adapterB = LoraAdapterFile.Read(Path.Combine(interrupted.OutputDirectory, TrainingRun.AdapterFileName));
        foreach (var pair in adapterA.Pairs)
            maxDiff = Math.Max(maxDiff, pair.B.Zip(adapterB[pair.BaseName].B, (p, q) => Math.Abs(p - q)).Max());
        output.WriteLine($"vision weights moved by up to {trained:E2}; uninterrupted vs resumed max |Δ| {maxDiff:E2}");
        Assert.True(trained > 1e-4, "the merged vision weights should be trained");
        Assert.True(maxDiff < 1e-5, $"the resumed run differs by {maxDiff}");
    }

    [Fact]
    public void A_checkpoint_without_a_vision_tower_or_an_unreadable_image_is_refused_before_training()
    {
        var options = Options("refused", posts: 2);
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        var textOnly = _folder.File("text-only");
        Directory.CreateDirectory(textOnly);
        using (var source = SafetensorsCheckpoint.Open(files.Checkpoint))
        {
            var writer = new SafetensorsWriter(new Dictionary<string, string> { ["format"] = "pt" });
            foreach (var info in source.Tensors.Where(t => !t.Name.Contains("visual.", StringComparison.Ordinal)))
                writer.AddRaw(info.Name, info.DType, info.Shape, source.GetBytes(info.Name).ToArray());
            writer.Write(Path.Combine(textOnly, SafetensorsCheckpoint.SingleFileName));
        }
        foreach (var file in Directory.GetFiles(files.Checkpoint).Where(f => !f.EndsWith(".safetensors", StringComparison.Ordinal)))
            File.Copy(file, Path.Combine(textOnly, Path.GetFileName(file)));
        TrainingPreflight.Check(options with { ModelPath = textOnly, TrainVision = false }); // fine while the tower is frozen
        var error = Assert.Throws<InvalidDataException>(() => TrainingPreflight.Check(options with { ModelPath = textOnly }));
        output.WriteLine(error.Message);
        Assert.Contains(textOnly, error.Message);
        Assert.Contains("visual.patch_embed.proj.weight", error.Message);

        // The same through the CLI: --train-vision reaches the preflight, which stops before any worker starts.
        var cli = CliProcess.Finetune.Run(["train", "--model", textOnly, "--gguf", files.LanguageModel, "--mmproj", files.Projector,
            "--data", options.DataPath, "--out", options.OutputDirectory, "--strategy", "sft", "--threads", "2", "--train-vision"]);
        Assert.Equal(1, cli.ExitCode);
        Assert.Contains("visual.patch_embed.proj.weight", cli.StdErr);
        Assert.Contains("text-only", cli.StdErr);

        // A text file named .jpg: the dataset line, the post and the image are named.
        var lines = File.ReadAllLines(options.DataPath);
        var fake = _folder.File("not-a-photo.jpg");
        File.WriteAllText(fake, "this is not an image");
        var broken = _folder.File("broken.jsonl");
        var post = System.Text.Json.Nodes.JsonNode.Parse(lines[1])!;
        post["image"] = Path.GetRelativePath(Path.GetDirectoryName(options.DataPath)!, fake);
        File.WriteAllLines(broken, [lines[0], post.ToJsonString()]);
        var imageError = Assert.Throws<InvalidDataException>(() => TrainingPreflight.Check(options with { DataPath = broken }));
        output.WriteLine(imageError.Message);
        Assert.Contains("broken.jsonl:2", imageError.Message);
        Assert.Contains("not-a-photo.jpg", imageError.Message);
        Assert.False(Directory.Exists(options.OutputDirectory), "no run should have started");
    }

    private static float[] MtmdEmbeddings(string languageModel, string projector, byte[] rgb, int width, int height)
    {
        using var llama = LlamaModel.Load(languageModel);
        using var mtmd = MtmdContext.Load(projector, llama, new MtmdOptions { Threads = 2, ImageMaxTokens = width * height / (28 * 28), FlashAttention = LlamaFlashAttnType.Disabled });
        using var bitmap = MtmdBitmap.FromRgb(width, height, rgb);
        using var chunks = mtmd.Tokenize(mtmd.Marker, [bitmap]);
        return mtmd.EncodeImage(chunks.Chunks.Single(c => c.Type == MtmdInputChunkType.Image));
    }

    public void Dispose() => _folder.Dispose();
}
