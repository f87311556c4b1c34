using System.Diagnostics;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.ModelFiles.Lora;
using DynamicCot.Tests.Shared;
using Xunit.Abstractions;

namespace DynamicCot.Finetune.Tests.Training;

/// <summary>`train` as a user runs it: bad input stops before training; a killed worker resumes to the same adapter.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class TrainCommandTests(TinyModels models, ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-traincli");

    private string[] Args(string data, string run, params string[] extra)
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        return ["train", "--model", files.Checkpoint, "--gguf", files.LanguageModel, "--mmproj", files.Projector, "--data", data, "--out", run,
            "--strategy", "sft", "--epochs", "2", "--lr", "5e-3", "--batch-size", "2", "--threads", "2", "--image-tokens", "32", .. extra];
    }

    [Fact]
    public void Bad_inputs_stop_the_run_before_training_naming_the_file_and_line()
    {
        var good = TrainingData.Write(_folder, 4);
        var lines = File.ReadAllLines(good);

        var malformed = _folder.File("malformed.jsonl");
        File.WriteAllLines(malformed, [lines[0], "{\"id\": \"x\", \"text\": ", lines[1]]);
        AssertStops(Args(malformed, _folder.File("r1")), "malformed.jsonl:2");

        var missingImage = _folder.File("missing-image.jsonl");
        File.WriteAllLines(missingImage, [lines[0], lines[1].Replace(".jpg\"", "-gone.jpg\"", StringComparison.Ordinal)]);
        AssertStops(Args(missingImage, _folder.File("r2")), "missing-image.jsonl:2");

        var badRationale = _folder.File("bad-rationale.jsonl");
        File.WriteAllLines(badRationale, [lines[0], lines[1].Replace("\"keyphrases\"", "\"rationale\":\"<think>storm first</think> then flooding\",\"keyphrases\"", StringComparison.Ordinal)]);
        AssertStops(Args(badRationale, _folder.File("r3")), "bad-rationale.jsonl:2", "<answer>");

        // The trainer loads a Hugging Face checkpoint directory; a GGUF file is not one.
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        var args = Args(good, _folder.File("r4"));
        args[Array.IndexOf(args, "--model") + 1] = files.Projector;
        AssertStops(args, Path.GetFileName(files.Projector), "Hugging Face checkpoint directory");

        // A checkpoint whose config.json is broken is named with the file.
        var broken = _folder.File("broken-checkpoint");
        Directory.CreateDirectory(broken);
        foreach (var file in Directory.GetFiles(files.Checkpoint))
            File.Copy(file, Path.Combine(broken, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(broken, "config.json"), "{\"architectures\": [\"Qwen2VLForConditionalGeneration\"], \"hidden_size\": ");
        args = Args(good, _folder.File("r5"));
        args[Array.IndexOf(args, "--model") + 1] = broken;
        AssertStops(args, "config.json");

        // A config that does not describe the weights: the tensor and its file are named before training.
        var config = File.ReadAllText(Path.Combine(files.Checkpoint, "config.json"));
        Assert.Contains("\"intermediate_size\": 352", config);
        File.WriteAllText(Path.Combine(broken, "config.json"), config.Replace("\"intermediate_size\": 352", "\"intermediate_size\": 344", StringComparison.Ordinal));
        args = Args(good, _folder.File("r6"));
        args[Array.IndexOf(args, "--model") + 1] = broken;
        AssertStops(args, "model.safetensors", "mlp.gate_proj.weight", "[352, 128]");

        AssertStops(Args(good, _folder.File("r7"), "--precision", "fp16"), "--precision 'fp16'", "bf16");
    }

    [Fact]
    public void Qwen3Vl_dynamic_cot_run_learns_and_its_merged_output_converts_and_serves()
    {
        var files = models.Get(QwenVlArchitecture.Qwen3Vl);
        var data = TrainingData.Write(_folder, 4);
        var run = _folder.File("qwen3vl-run");
        var train = CliProcess.Finetune.Run("train", "--model", files.Checkpoint, "--gguf", files.LanguageModel, "--mmproj", files.Projector,
            "--data", data, "--out", run, "--strategy", "dynamic", "--epochs", "4", "--lr", "5e-3", "--batch-size", "2", "--threads", "2", "--image-tokens", "16");
        output.WriteLine(train.StdErr.Trim());
        Assert.True(train.ExitCode == 0, train.StdErr);

        var losses = File.ReadLines(Path.Combine(run, "metrics.jsonl"))
            .Select(line => System.Text.Json.Nodes.JsonNode.Parse(line)!)
            .Where(node => node["type"]?.GetValue<string>() == "step")
            .Select(node => node["loss"]!.GetValue<double>()).ToList();
        output.WriteLine($"loss {losses[0]:F3} → {losses[^1]:F3} over {losses.Count} steps");
        Assert.True(losses[^1] < losses[0] * 0.8, $"{losses[0]} → {losses[^1]}");
        Assert.Equal("qwen3vl", LoraAdapterFile.Read(Path.Combine(run, "adapter.gguf")).Architecture);

        var lm = _folder.File("qwen3vl-merged.gguf");
        var mmproj = _folder.File("qwen3vl-merged-mmproj.gguf");
        DynamicCot.ModelFiles.Qwen.QwenVlGgufConverter.Convert(Path.Combine(run, "merged"), lm, mmproj);
        var photo = Directory.GetFiles(TestPaths.Data("vmu16_small_events", "images"), "*.jpg").Order(StringComparer.Ordinal).First();
        var suggest = CliProcess.Finetune.Run("suggest", "--model", lm, "--mmproj", mmproj, "--text", "Storm floods the valley", "--image", photo, "--json", "--threads", "2");
        Assert.True(suggest.ExitCode == 0, suggest.StdErr);
        using var json = System.Text.Json.JsonDocument.Parse(suggest.StdOut);
        Assert.NotEmpty(json.RootElement.GetProperty("keyphrases").EnumerateArray());
    }

    private void AssertStops(string[] args, params string[] expected)
    {
        var result = CliProcess.Finetune.Run(args);
        output.WriteLine(result.StdErr.Trim());
        Assert.Equal(1, result.ExitCode);
        foreach (var text in expected)
            Assert.Contains(text, result.StdErr);
        var run = args[Array.IndexOf(args, "--out") + 1];
        Assert.False(Directory.Exists(Path.Combine(run, "checkpoints")), "no training should have started");
    }

    [Fact]
    public void Killing_the_worker_and_resuming_ends_with_the_same_adapter()
    {
        var data = TrainingData.Write(_folder, 8);
        var straight = _folder.File("straight");
        var full = CliProcess.Finetune.Run(Args(data, straight, "--checkpoint-every", "2"));
        Assert.True(full.ExitCode == 0, full.StdErr);
        Assert.Contains("adapter.gguf", full.StdOut);
        Assert.True(File.Exists(Path.Combine(straight, "merged", "model.safetensors")));
        var plot = System.Xml.Linq.XDocument.Load(Path.Combine(straight, "loss.svg"));
        Assert.Equal("svg", plot.Root!.Name.LocalName);

        // Same run, but with gradient checkpointing (which must not change the result), and the worker is killed
        // (SIGKILL) once it has written its second checkpoint; the resume takes the option from the run's config.
        var interrupted = _folder.File("interrupted");
        KillWorkerAfterCheckpoints(Args(data, interrupted, "--checkpoint-every", "2", "--gradient-checkpointing"), interrupted, checkpoints: 2);
        Assert.Contains("\"gradientCheckpointing\": true", File.ReadAllText(Path.Combine(interrupted, "config.json")));
        Assert.False(File.Exists(Path.Combine(interrupted, "adapter.gguf")));
        var resumed = CliProcess.Finetune.Run(Args(data, interrupted, "--checkpoint-every", "2", "--resume"));
        Assert.True(resumed.ExitCode == 0, resumed.StdErr);

        var a = LoraAdapterFile.Read(Path.Combine(straight, "adapter.gguf"));
        var b = LoraAdapterFile.Read(Path.Combine(interrupted, "adapter.gguf"));
        double maxDiff = 0;
        foreach (var pair in a.Pairs)
        {
            var other = b[pair.BaseName];
            maxDiff = Math.Max(maxDiff, pair.A.Zip(other.A, (x, y) => Math.Abs(x - y)).Max());
            maxDiff = Math.Max(maxDiff, pair.B.Zip(other.B, (x, y) => Math.Abs(x - y)).Max());
        }
        output.WriteLine($"max |Δ| between the uninterrupted and the resumed adapter: {maxDiff:E2}");
        Assert.True(maxDiff < 1e-5, $"adapters differ by {maxDiff}");
        var metrics = File.ReadAllLines(Path.Combine(interrupted, "metrics.jsonl")).Count(l => l.Contains("\"type\":\"step\"", StringComparison.Ordinal));
        Assert.Equal(File.ReadAllLines(Path.Combine(straight, "metrics.jsonl")).Count(l => l.Contains("\"type\":\"step\"", StringComparison.Ordinal)), metrics);
    }

    private static void KillWorkerAfterCheckpoints(string[] args, string run, int checkpoints)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "dynamiccot-finetune.dll");
        using var parent = Process.Start(new ProcessStartInfo("dotnet", ["exec", dll, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        parent.OutputDataReceived += (_, _) => { };
        parent.ErrorDataReceived += (_, _) => { };
        parent.BeginOutputReadLine();
        parent.BeginErrorReadLine();
        var folder = Path.Combine(run, "checkpoints");
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline && !(Directory.Exists(folder) && Directory.GetDirectories(folder, "step-*").Length >= checkpoints))
            Thread.Sleep(50);
        Assert.True(DateTime.UtcNow < deadline, "the run never reached its checkpoints");
        // Kill the worker child hard (as a native abort or an OOM kill would), then the parent.
        foreach (var worker in Process.GetProcesses().Where(p => IsWorkerOf(p, run)))
            worker.Kill();
        parent.WaitForExit(60_000);
        if (!parent.HasExited) parent.Kill(entireProcessTree: true);
    }

    private static bool IsWorkerOf(Process process, string run)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{process.Id}/cmdline").Replace('\0', ' ');
            return commandLine.Contains("train-worker", StringComparison.Ordinal) && commandLine.Contains(run, StringComparison.Ordinal);
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    public void Dispose() => _folder.Dispose();
}
