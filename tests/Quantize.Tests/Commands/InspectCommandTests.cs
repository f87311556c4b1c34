using System.CommandLine;
using System.Text.Json;
using DynamicCot.Cli;
using DynamicCot.Gguf;
using DynamicCot.Llama.Native;
using DynamicCot.Quantize.Commands;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Quantize.Tests.Commands;

[Collection(ConsoleCollection.Name)]
public class InspectCommandTests
{
    private static string WriteSample(TempFolder temp)
    {
        var path = temp.File("sample.gguf");
        new GgufWriter()
            .AddString("general.architecture", "qwen2vl")
            .AddUInt32("qwen2vl.block_count", 2)
            .AddFloat32("qwen2vl.rope.freq_base", float.PositiveInfinity)
            .AddArray<int>("qwen2vl.rope.dimension_sections", [16, 24, 24, 0])
            .AddStrings("tokenizer.ggml.tokens", Enumerable.Range(0, 1000).Select(i => $"tok{i}"))
            .AddTensor("token_embd.weight", GgmlType.Q8_0, [64, 4], new byte[4 * 2 * 34])
            .AddTensor("output_norm.weight", GgmlType.F32, [64], new byte[256])
            .WriteTo(path);
        return path;
    }

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var outcome = InProcessCli.Run(InspectCommand.Create(), args);
        return (outcome.ExitCode, outcome.Stdout, outcome.Stderr);
    }

    [Fact]
    public void TablesShowMetadataSummarisedArraysAndTensors()
    {
        using var temp = TestPaths.NewTempFolder();
        var (exit, output, error) = Run("inspect", WriteSample(temp));
        Assert.True(exit == 0, error);
        Assert.Contains("general.architecture", output);
        Assert.Contains("qwen2vl", output);
        Assert.Contains("[16, 24, 24, 0]", output);
        Assert.Contains("(1000 total)", output);
        Assert.DoesNotContain("tok999", output);
        Assert.Contains("token_embd.weight", output);
        Assert.Contains("q8_0", output);
        Assert.Contains("[64, 4]", output);
    }

    [Fact]
    public void JsonIsOneParseableObject()
    {
        using var temp = TestPaths.NewTempFolder();
        var (exit, output, _) = Run("inspect", WriteSample(temp), "--json");
        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("version").GetInt32());
        var metadata = root.GetProperty("metadata");
        Assert.Equal("qwen2vl", metadata.GetProperty("general.architecture").GetProperty("value").GetString());
        Assert.Equal("Infinity", metadata.GetProperty("qwen2vl.rope.freq_base").GetProperty("value").GetString());
        var tokens = metadata.GetProperty("tokenizer.ggml.tokens");
        Assert.Equal(1000, tokens.GetProperty("count").GetInt32());
        Assert.True(tokens.GetProperty("truncated").GetBoolean());
        var tensors = root.GetProperty("tensors");
        Assert.Equal(2, tensors.GetArrayLength());
        Assert.Equal("q8_0", tensors[0].GetProperty("type").GetString());
        Assert.Equal(272, tensors[0].GetProperty("bytes").GetInt32());
        Assert.Equal(288, tensors[1].GetProperty("offset").GetInt32());
        Assert.Equal(1, root.GetProperty("tensorTypes").GetProperty("f32").GetProperty("tensors").GetInt32());
    }

    [Fact]
    public void BadFilesExitOneWithTheErrorOnStderr()
    {
        using var temp = TestPaths.NewTempFolder();
        var half = temp.File("half.gguf");
        var bytes = File.ReadAllBytes(WriteSample(temp));
        File.WriteAllBytes(half, bytes[..(bytes.Length / 2)]);
        var (exit, output, error) = Run("inspect", half);
        Assert.Equal(CliApplication.ExitInputError, exit);
        Assert.Contains(half, error);
        Assert.Contains("truncated", error.ReplaceLineEndings(" "));
        Assert.Equal("", output);

        var text = temp.File("notes.txt");
        File.WriteAllText(text, "hello");
        (exit, _, error) = Run("inspect", text, "--json");
        Assert.Equal(CliApplication.ExitInputError, exit);
        Assert.Contains("not a GGUF file", error);

        (exit, _, error) = Run("inspect", temp.File("missing.gguf"));
        Assert.Equal(CliApplication.ExitInputError, exit);
        Assert.Contains("missing.gguf", error);
    }
}
