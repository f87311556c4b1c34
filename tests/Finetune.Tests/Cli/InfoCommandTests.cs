using System.Text.Json;
using DynamicCot.Inference;
using DynamicCot.Llama;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Cli;

public sealed class InfoCommandTests
{
    private static JsonElement Info(Dictionary<string, string>? environment = null, params string[] extra)
    {
        var result = CliProcess.Finetune.Run(environment, ["info", "--json", .. extra]);
        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        return json.RootElement.Clone();
    }

    [Fact]
    public void Info_reports_the_loaded_variant_its_path_and_the_mirrored_ggml()
    {
        var root = Info();
        var library = root.GetProperty("library").GetString()!;
        var variant = root.GetProperty("variant").GetString()!;
        Assert.True(File.Exists(library), library);
        Assert.EndsWith($"/runtimes/linux-x64/native/{variant}/libllama.so", library);
        Assert.Contains(variant, new[] { "noavx", "avx", "avx2", "avx512" });
        Assert.Equal("815a2a591", root.GetProperty("ggmlCommit").GetString());
        Assert.Equal(368ul, root.GetProperty("tensorOverhead").GetUInt64());
        Assert.Contains("CPU", root.GetProperty("systemInfo").GetString());
        Assert.Contains(root.GetProperty("devices").EnumerateArray(), d => d.GetProperty("name").GetString() == "CPU");
        Assert.True(root.GetProperty("threads").GetInt32() >= 1);
    }

    [Fact]
    public void Info_lists_the_supported_families_with_what_was_verified_for_each()
    {
        var families = Info().GetProperty("families").EnumerateArray().ToList();
        Assert.Equal(["Qwen2-VL", "Qwen2.5-VL", "Qwen3-VL"], families.Select(f => f.GetProperty("name").GetString()));
        foreach (var family in families)
        {
            // The spelling shown is the one `tiny --arch` takes, and names the family shown.
            var arch = family.GetProperty("arch").GetString()!;
            Assert.Equal(family.GetProperty("name").GetString(), ModelFiles.Qwen.QwenVlProjector.DisplayName(ModelFiles.Qwen.QwenVlProjector.Parse(arch)));
            Assert.Contains("logits", family.GetProperty("verified").GetString());
        }
        var qwen3 = families[2];
        Assert.Equal(["Instruct", "Thinking"], qwen3.GetProperty("variants").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("qwen3vl + qwen3vl_merger", qwen3.GetProperty("llamaCpp").GetString());
        Assert.Contains("Thinking", qwen3.GetProperty("verified").GetString());
        Assert.Contains("DeepStack", qwen3.GetProperty("verified").GetString());
        Assert.Equal(["Instruct"], families[0].GetProperty("variants").EnumerateArray().Select(v => v.GetString()));

        var table = CliProcess.Finetune.Run("info");
        Assert.True(table.ExitCode == 0, table.StdErr);
        Assert.Contains("Qwen3-VL (qwen3vl)", table.StdOut);
    }

    [Fact]
    public void The_OpenMP_wait_policy_defaults_to_passive_and_a_users_choice_is_kept()
    {
        var unset = Info(new Dictionary<string, string> { ["OMP_WAIT_POLICY"] = "" });
        Assert.Equal("PASSIVE", unset.GetProperty("ompWaitPolicy").GetString());
        Assert.False(unset.GetProperty("ompWaitPolicySetByUser").GetBoolean());

        var chosen = Info(new Dictionary<string, string> { ["OMP_WAIT_POLICY"] = "ACTIVE" });
        Assert.Equal("ACTIVE", chosen.GetProperty("ompWaitPolicy").GetString());
        Assert.True(chosen.GetProperty("ompWaitPolicySetByUser").GetBoolean());
    }

    [Fact]
    public void A_cpu_variant_this_cpu_cannot_run_is_refused_with_a_message_not_a_crash()
    {
        var missing = CpuVariants.MissingFor(CpuVariant.Avx512);
        if (missing is null)
            return; // this CPU runs avx512: nothing to refuse
        var result = CliProcess.Finetune.Run("info", "--cpu-variant", "avx512");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("avx512 build", result.StdErr);
        Assert.Contains(missing, result.StdErr);
        Assert.DoesNotContain("Unhandled", result.StdErr);

        var fromEnvironment = CliProcess.Finetune.Run(new Dictionary<string, string> { [LlamaRuntimeOptions.CpuVariantVariable] = "avx512" }, "info");
        Assert.Equal(1, fromEnvironment.ExitCode);
        Assert.Contains(LlamaRuntimeOptions.CpuVariantVariable, fromEnvironment.StdErr);
    }

    [Fact]
    public void A_lower_cpu_variant_can_be_forced()
    {
        var root = Info(null, "--cpu-variant", "avx");
        Assert.Equal("avx", root.GetProperty("variant").GetString());
        Assert.EndsWith("/avx/libllama.so", root.GetProperty("library").GetString());
    }
}
