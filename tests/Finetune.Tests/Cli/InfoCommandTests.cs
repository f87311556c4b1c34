using System.Text.Json;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Cli;

public sealed class InfoCommandTests
{
    [Fact]
    public void Info_reports_the_pinned_build_and_the_cpu_device()
    {
        var result = CliProcess.Finetune.Run("info", "--json");
        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        var root = json.RootElement;
        Assert.Equal("22dc605", root.GetProperty("commit").GetString());
        Assert.Equal(384ul, root.GetProperty("tensorOverhead").GetUInt64());
        Assert.Contains("CPU", root.GetProperty("systemInfo").GetString());
        var devices = root.GetProperty("devices").EnumerateArray().ToList();
        Assert.Contains(devices, d => d.GetProperty("type").GetString() == "Cpu" && d.GetProperty("memoryTotalBytes").GetUInt64() > 0);
    }

    [Fact]
    public void A_wrong_library_path_is_a_clear_error_not_a_crash()
    {
        using var folder = TestPaths.NewTempFolder();
        var bogus = folder.File("not-a-library.so");
        File.WriteAllText(bogus, "hello");
        var result = CliProcess.Finetune.Run("info", "--library", bogus);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(bogus, result.StdErr);
        Assert.Contains("22dc605", result.StdErr);
        Assert.DoesNotContain("Unhandled", result.StdErr);
    }

    [Fact]
    public void The_library_path_environment_variable_is_honoured()
    {
        var zlib = new[] { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1" }.First(File.Exists);
        var result = CliProcess.Finetune.Run(new Dictionary<string, string> { ["DYNAMICCOT_LLAMA_LIBRARY"] = zlib }, "info");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(zlib, result.StdErr);
        Assert.Contains("does not export LLAMA_COMMIT", result.StdErr);
    }
}
