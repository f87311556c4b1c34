using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DynamicCot.Cli;
using DynamicCot.Gguf;
using DynamicCot.ModelFiles.Lora;
using Spectre.Console;

namespace DynamicCot.Quantize.Commands;

/// <summary>
/// <c>lora merge BASE.gguf ADAPTER.gguf --out MERGED.gguf [--scale S] [--threads N]</c> and
/// <c>lora inspect ADAPTER.gguf [--json]</c>.
/// </summary>
public static class LoraCommand
{
    public static Command Create()
    {
        var command = new Command("lora", "Inspect LoRA adapters and merge them into their base model.");
        command.Subcommands.Add(CreateMerge());
        command.Subcommands.Add(CreateInspect());
        return command;
    }

    private static Command CreateMerge()
    {
        var baseModel = new Argument<FileInfo>("BASE") { Description = "The F32/F16/BF16 language-model GGUF the adapter was trained on." };
        var adapter = new Argument<FileInfo>("ADAPTER") { Description = "The LoRA adapter GGUF." };
        var output = new Option<FileInfo>("--out") { Description = "Merged GGUF to write (quantize it afterwards).", Required = true };
        var scale = new Option<float>("--scale") { Description = "Adapter scale, as llama.cpp's --lora-scaled (default 1).", DefaultValueFactory = _ => 1f };
        var threads = new Option<int>("--threads") { Description = "Threads (default: all cores)." };
        var command = new Command("merge", "Write BASE with W + scale·(alpha/r)·B·A folded into every weight the adapter targets.")
        {
            baseModel, adapter, output, scale, threads,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            LoraMergeResult? result = null;
            CliApplication.Stderr.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask("merging", maxValue: 1);
                    result = LoraMerger.Merge(parse.GetValue(baseModel)!.FullName, parse.GetValue(adapter)!.FullName, parse.GetValue(output)!.FullName,
                        parse.GetValue(scale), parse.GetValue(threads),
                        new SynchronousProgress<LoraMergeProgress>(p =>
                        {
                            task.MaxValue = Math.Max(1, p.BytesTotal);
                            task.Value = p.BytesDone;
                            task.Description = Markup.Escape(p.CurrentTensor);
                        }), cancellationToken);
                    task.Value = task.MaxValue;
                });
            Console.WriteLine($"wrote {result!.OutputPath}: {result.MergedTensors} weights merged, {result.CopiedTensors} tensors copied, {result.OutputBytes / 1048576.0:F1} MiB");
            return Task.FromResult(CliApplication.ExitOk);
        });
        return command;
    }

    private static Command CreateInspect()
    {
        var adapter = new Argument<FileInfo>("ADAPTER") { Description = "The LoRA adapter GGUF." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table." };
        var command = new Command("inspect", "Show a LoRA adapter's architecture, alpha, provenance and per-target ranks and shapes.") { adapter, json };
        command.SetAction(parse =>
        {
            using var file = GgufFile.Open(parse.GetValue(adapter)!.FullName);
            var layout = LoraAdapterFile.ReadLayout(file);
            if (parse.GetValue(json))
                WriteJson(layout);
            else
                WriteTable(layout);
            return CliApplication.ExitOk;
        });
        return command;
    }

    private static void WriteJson(LoraAdapterLayout layout)
    {
        // Written through Console.Out (not the raw stdout stream) so redirected or captured output receives it.
        using var buffer = new MemoryStream();
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("path", layout.Path);
        writer.WriteString("architecture", layout.Architecture);
        writer.WriteNumber("alpha", layout.Alpha);
        writer.WriteString("name", layout.Info.Name);
        writer.WriteString("base_model_name", layout.Info.BaseModelName);
        writer.WriteString("base_model_sha256", layout.Info.BaseModelSha256);
        writer.WriteString("training_run", layout.Info.TrainingRun);
        writer.WriteNumber("parameters", layout.Pairs.Sum(p => (long)p.Rank * (p.InFeatures + p.OutFeatures)));
        writer.WriteStartArray("targets");
        foreach (var pair in layout.Pairs)
        {
            writer.WriteStartObject();
            writer.WriteString("tensor", pair.BaseName);
            writer.WriteNumber("rank", pair.Rank);
            writer.WriteNumber("n_in", pair.InFeatures);
            writer.WriteNumber("n_out", pair.OutFeatures);
            writer.WriteString("type", pair.TensorA.TypeName);
            writer.WriteNumber("effective_scale", layout.EffectiveScale(pair));
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
        Console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    private static void WriteTable(LoraAdapterLayout layout)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
            console.Profile.Width = 200;
        var header = new Table().Border(TableBorder.Rounded).AddColumn("adapter").AddColumn("value");
        header.AddRow("path", Markup.Escape(layout.Path));
        header.AddRow("architecture", Markup.Escape(layout.Architecture));
        header.AddRow("alpha", layout.Alpha.ToString("R", CultureInfo.InvariantCulture));
        header.AddRow("targets", layout.Pairs.Count.ToString(CultureInfo.InvariantCulture));
        header.AddRow("parameters", layout.Pairs.Sum(p => (long)p.Rank * (p.InFeatures + p.OutFeatures)).ToString("N0", CultureInfo.InvariantCulture));
        if (layout.Info.Name is { } name) header.AddRow("name", Markup.Escape(name));
        if (layout.Info.BaseModelName is { } baseName) header.AddRow("base model", Markup.Escape(baseName));
        if (layout.Info.BaseModelSha256 is { } hash) header.AddRow("base model sha256", Markup.Escape(hash));
        if (layout.Info.TrainingRun is { } run) header.AddRow("training run", Markup.Escape(run));
        console.Write(header);
        var table = new Table().Border(TableBorder.Rounded).AddColumn("tensor").AddColumn("rank").AddColumn("n_in").AddColumn("n_out").AddColumn("type").AddColumn("scale·alpha/r");
        foreach (var pair in layout.Pairs)
            table.AddRow(Markup.Escape(pair.BaseName), pair.Rank.ToString(CultureInfo.InvariantCulture), pair.InFeatures.ToString(CultureInfo.InvariantCulture),
                pair.OutFeatures.ToString(CultureInfo.InvariantCulture), pair.TensorA.TypeName, layout.EffectiveScale(pair).ToString("G6", CultureInfo.InvariantCulture));
        console.Write(table);
    }
}
