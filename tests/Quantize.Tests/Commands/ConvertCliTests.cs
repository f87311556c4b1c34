using System.Text.Json.Nodes;
using DynamicCot.ModelFiles.HuggingFace;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Quantize.Tests.Commands;

/// <summary>The CLI as a user runs it: tiny → convert → quantize → inspect, and clear errors for broken inputs.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class ConvertCliTests(TinyModels models) : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-cli");

    [Fact]
    public void Tiny_convert_quantize_inspect_through_the_cli()
    {
        var hf = _folder.File("hf");
        var tiny = CliProcess.Quantize.Run("tiny", "--arch", "qwen2.5vl", "--out", hf, "--seed", "11");
        Assert.True(tiny.ExitCode == 0, tiny.StdErr);
        var lm = _folder.File("lm.gguf");
        var mm = _folder.File("mm.gguf");
        var convert = CliProcess.Quantize.Run("convert", hf, "--out", lm, "--mmproj", mm, "--type", "f16");
        Assert.True(convert.ExitCode == 0, convert.StdErr);
        var q8 = _folder.File("lm-q8.gguf");
        var quantize = CliProcess.Quantize.Run("quantize", lm, q8, "--type", "q8_0");
        Assert.True(quantize.ExitCode == 0, quantize.StdErr);
        var inspect = CliProcess.Quantize.Run("inspect", q8, "--json");
        Assert.True(inspect.ExitCode == 0, inspect.StdErr);
        var json = JsonNode.Parse(inspect.StdOut)!;
        Assert.Equal("qwen2vl", json["metadata"]!["general.architecture"]!["value"]!.GetValue<string>());
        Assert.Contains("q8_0", inspect.StdOut);

        // Same seed, same bytes.
        var again = _folder.File("hf-again");
        Assert.Equal(0, CliProcess.Quantize.Run("tiny", "--arch", "qwen2.5vl", "--out", again, "--seed", "11").ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(hf, "model.safetensors")), File.ReadAllBytes(Path.Combine(again, "model.safetensors")));
        Assert.Equal(File.ReadAllText(Path.Combine(hf, "tokenizer.json")), File.ReadAllText(Path.Combine(again, "tokenizer.json")));
    }

    [Fact]
    public void A_corrupted_safetensors_header_is_named()
    {
        var copy = CopyCheckpoint();
        var weights = Path.Combine(copy, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        bytes[12] = (byte)'#';
        File.WriteAllBytes(weights, bytes);
        var result = Convert(copy);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("model.safetensors", result.StdErr);
    }

    [Fact]
    public void A_config_missing_a_key_is_named()
    {
        var copy = CopyCheckpoint();
        var configPath = Path.Combine(copy, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config.Remove("num_hidden_layers");
        File.WriteAllText(configPath, config.ToJsonString());
        var result = Convert(copy);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("config.json", result.StdErr);
        Assert.Contains("num_hidden_layers", result.StdErr);
    }

    [Fact]
    public void A_gguf_cut_in_half_and_a_non_gguf_file_are_named()
    {
        var files = models.Get(QwenVlArchitecture.Qwen2Vl);
        var half = _folder.File("half.gguf");
        var bytes = File.ReadAllBytes(files.LanguageModel);
        File.WriteAllBytes(half, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        var inspect = CliProcess.Quantize.Run("inspect", half);
        Assert.Equal(1, inspect.ExitCode);
        Assert.Contains("half.gguf", inspect.StdErr);

        var quantize = CliProcess.Quantize.Run("quantize", half, _folder.File("out.gguf"), "--type", "q8_0");
        Assert.Equal(1, quantize.ExitCode);
        Assert.Contains("half.gguf", quantize.StdErr);

        var text = _folder.File("notes.gguf");
        File.WriteAllText(text, "not a model");
        var notGguf = CliProcess.Quantize.Run("inspect", text);
        Assert.Equal(1, notGguf.ExitCode);
        Assert.Contains("notes.gguf", notGguf.StdErr);
        Assert.DoesNotContain("Unhandled", notGguf.StdErr + quantize.StdErr + inspect.StdErr);
    }

    private string CopyCheckpoint()
    {
        var source = models.Get(QwenVlArchitecture.Qwen2Vl).Checkpoint;
        var copy = _folder.File("copy-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(source))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }

    private CliProcess.Result Convert(string checkpoint) =>
        CliProcess.Quantize.Run("convert", checkpoint, "--out", _folder.File("x.gguf"), "--mmproj", _folder.File("x-mm.gguf"));

    public void Dispose() => _folder.Dispose();
}
