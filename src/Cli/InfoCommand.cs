using System.CommandLine;
using System.Text.Json;
using DynamicCot.LlamaCpp.Engine;
using DynamicCot.LlamaCpp.Native;
using Spectre.Console;

namespace DynamicCot.Cli;

/// <summary><c>info</c>: which engine build is loaded, what it was compiled with, and which devices it sees.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables." };
        var command = new Command("info", "Show the native engine build, its system info and backend devices.");
        command.Options.Add(json);
        EngineOptions.AddTo(command);
        command.SetAction(parse =>
        {
            EngineOptions.Apply(parse);
            var library = LlamaBackend.Initialize();
            var facts = LlamaLibraryValidator.Measure(library.Path, library.Handle);
            var systemInfo = LlamaBackend.SystemInfo();
            var devices = LlamaBackend.Devices();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    library = library.Path,
                    backend = library.Backend.ToString().ToLowerInvariant(),
                    commit = facts.Commit,
                    tensorOverhead = (ulong)facts.TensorOverhead,
                    gpuOffload = LlamaBackend.SupportsGpuOffload(),
                    systemInfo,
                    devices = devices.Select(d => new
                    {
                        name = d.Name, description = d.Description, type = d.Type.ToString(), registry = d.Registry,
                        memoryFreeBytes = d.MemoryFreeBytes, memoryTotalBytes = d.MemoryTotalBytes,
                    }),
                }, new JsonSerializerOptions { WriteIndented = true }));
                return CliApplication.ExitOk;
            }

            var engine = new Table().Border(TableBorder.Rounded).AddColumn("engine").AddColumn("value");
            engine.AddRow("library", Markup.Escape(library.Path));
            engine.AddRow("build", $"llama.cpp {Markup.Escape(facts.Commit)} ({library.Backend.ToString().ToLowerInvariant()})");
            engine.AddRow("ggml_tensor_overhead", facts.TensorOverhead.ToString());
            engine.AddRow("GPU offload", LlamaBackend.SupportsGpuOffload() ? "yes" : "no");
            engine.AddRow("system info", Markup.Escape(systemInfo));
            AnsiConsole.Write(engine);

            var table = new Table().Border(TableBorder.Rounded)
                .AddColumn("device").AddColumn("type").AddColumn("backend").AddColumn("description").AddColumn(new TableColumn("memory (free / total)").RightAligned());
            foreach (var d in devices)
                table.AddRow(Markup.Escape(d.Name), d.Type.ToString(), Markup.Escape(d.Registry), Markup.Escape(d.Description),
                    $"{d.MemoryFreeBytes / 1048576.0:N0} / {d.MemoryTotalBytes / 1048576.0:N0} MiB");
            AnsiConsole.Write(table);
            return CliApplication.ExitOk;
        });
        return command;
    }
}
