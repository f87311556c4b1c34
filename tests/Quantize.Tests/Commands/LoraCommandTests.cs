using System.CommandLine;
using System.Text.Json;
using DynamicCot.Cli;
using DynamicCot.Gguf;
using DynamicCot.Llama.Native;
using DynamicCot.Quantize.Commands;
using DynamicCot.ModelFiles.Lora;
using DynamicCot.ModelFiles.Tests.Lora;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Quantize.Tests.Commands;

/// <summary><c>lora merge</c> and <c>lora inspect</c> as a user runs them (Console is process-wide, hence the collection).</summary>
[Collection(ConsoleCollection.Name)]
public sealed class LoraCommandTests : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-lora-cli");

    [Fact]
    public void Merge_then_inspect_and_a_wrong_base_exits_1_naming_the_tensor()
    {
        var basePath = _folder.File("base.gguf");
        new GgufWriter().AddString("general.architecture", "qwen2vl")
            .AddTensor("blk.0.attn_q.weight", GgmlType.F32, [8, 6], new byte[8 * 6 * 4])
            .WriteTo(basePath);
        var adapterPath = _folder.File("adapter.gguf");
        LoraAdapterFile.Write(adapterPath, new LoraAdapter("qwen2vl", 8).Add(RandomLora.Pair("blk.0.attn_q.weight", 4, 8, 6, 5, 1)));

        var merged = _folder.File("merged.gguf");
        var (exit, output, error) = Run("lora", "merge", basePath, adapterPath, "--out", merged, "--scale", "0.5");
        Assert.True(exit == 0, error);
        Assert.Contains("1 weights merged", output);
        Assert.True(File.Exists(merged));

        (exit, output, error) = Run("lora", "inspect", adapterPath, "--json");
        Assert.True(exit == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("qwen2vl", json.RootElement.GetProperty("architecture").GetString());
        var target = json.RootElement.GetProperty("targets")[0];
        Assert.Equal("blk.0.attn_q.weight", target.GetProperty("tensor").GetString());
        Assert.Equal(4, target.GetProperty("rank").GetInt32());
        Assert.Equal(2.0, target.GetProperty("effective_scale").GetDouble());

        (exit, output, _) = Run("lora", "inspect", adapterPath);
        Assert.Equal(0, exit);
        Assert.Contains("blk.0.attn_q.weight", output);

        var otherBase = _folder.File("other.gguf");
        new GgufWriter().AddString("general.architecture", "qwen2vl")
            .AddTensor("blk.0.attn_q.weight", GgmlType.F32, [16, 6], new byte[16 * 6 * 4])
            .WriteTo(otherBase);
        (exit, _, error) = Run("lora", "merge", otherBase, adapterPath, "--out", _folder.File("x.gguf"));
        Assert.Equal(CliApplication.ExitInputError, exit);
        Assert.Contains("blk.0.attn_q.weight", error);
        Assert.Contains("adapter.gguf", error);
    }

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var outcome = InProcessCli.Run(LoraCommand.Create(), args);
        return (outcome.ExitCode, outcome.Stdout, outcome.Stderr);
    }

    public void Dispose() => _folder.Dispose();
}
