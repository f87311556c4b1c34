using System.CommandLine;
using System.Text.Json;
using DynamicCot.Llama;
using DynamicCot.ModelFiles.Qwen;
using Spectre.Console;

namespace DynamicCot.Cli;

/// <summary>
/// <c>info</c>: which engine build is loaded (CPU variant, path), its thread and OpenMP settings, its devices, and the
/// model families the tools support with what has been verified for each.
/// </summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables." };
        var command = new Command("info", "Show the native engine build (CPU variant, path), thread/wait settings, system info, devices and the supported model families.");
        command.Options.Add(json);
        EngineOptions.AddTo(command);
        command.SetAction(parse =>
        {
            EngineOptions.Apply(parse);
            var runtime = LlamaBackend.Initialize();
            var systemInfo = LlamaBackend.SystemInfo();
            var devices = LlamaBackend.Devices();
            var waitPolicy = runtime.OpenMpWaitPolicy ?? "(libgomp default)";
            var waitSource = runtime.OpenMpWaitPolicyFromUser ? "set by the user" : "set by DynamicCot";
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    library = runtime.LibraryPath,
                    variant = runtime.Variant,
                    cuda = runtime.Cuda,
                    ggmlCommit = runtime.GgmlCommit,
                    tensorOverhead = (ulong)runtime.TensorOverhead,
                    threads = LlamaThreads.Default,
                    ompWaitPolicy = runtime.OpenMpWaitPolicy,
                    ompWaitPolicySetByUser = runtime.OpenMpWaitPolicyFromUser,
                    cpuFeatures = CpuVariants.CpuFeatures(),
                    gpuOffload = LlamaBackend.SupportsGpuOffload(),
                    systemInfo,
                    devices = devices.Select(d => new { name = d.Name, bufferType = d.BufferType }),
                    families = SupportedFamilies.All.Select(f => new
                    {
                        name = f.Name, arch = f.CommandLineName, checkpoints = f.Checkpoints, variants = f.Variants, llamaCpp = f.LlamaCpp, verified = f.Verified,
                    }),
                }, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
                return CliApplication.ExitOk;
            }

            var engine = new Table().Border(TableBorder.Rounded).AddColumn("engine").AddColumn("value");
            engine.AddRow("library", Markup.Escape(runtime.LibraryPath));
            engine.AddRow("CPU variant", Markup.Escape(runtime.Variant) + (runtime.Cuda ? " (CUDA)" : string.Empty));
            engine.AddRow("CPU features", Markup.Escape(string.Join(", ", CpuVariants.CpuFeatures())));
            engine.AddRow("ggml", $"{Markup.Escape(runtime.GgmlCommit)} (ggml_tensor_overhead {runtime.TensorOverhead})");
            engine.AddRow("threads (default)", LlamaThreads.Default.ToString());
            engine.AddRow(OpenMpEnvironment.WaitPolicyVariable, $"{Markup.Escape(waitPolicy)} ({waitSource})");
            engine.AddRow("GPU offload", LlamaBackend.SupportsGpuOffload() ? "yes" : "no");
            engine.AddRow("system info", Markup.Escape(systemInfo));
            AnsiConsole.Write(engine);

            var table = new Table().Border(TableBorder.Rounded).AddColumn("device").AddColumn("buffer type");
            foreach (var d in devices)
                table.AddRow(Markup.Escape(d.Name), Markup.Escape(d.BufferType));
            AnsiConsole.Write(table);

            // One paragraph per family: the verified text is long, and a table column would wrap its name apart.
            AnsiConsole.MarkupLine("[bold]supported model families[/]");
            foreach (var f in SupportedFamilies.All)
                AnsiConsole.MarkupLine($"[bold]{Markup.Escape(f.Name)} ({f.CommandLineName})[/] {Markup.Escape(string.Join(", ", f.Variants))}: "
                    + $"{Markup.Escape(f.Checkpoints)}; llama.cpp {Markup.Escape(f.LlamaCpp)}. [grey]Verified: {Markup.Escape(f.Verified)}.[/]");
            return CliApplication.ExitOk;
        });
        return command;
    }
}
