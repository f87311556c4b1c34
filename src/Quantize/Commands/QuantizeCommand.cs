using System.CommandLine;
using DynamicCot.Cli;
using DynamicCot.Gguf;
using DynamicCot.ModelFiles.Quantization;
using Spectre.Console;

namespace DynamicCot.Quantize.Commands;

/// <summary><c>quantize IN.gguf OUT.gguf --type q8_0|q4_0|q4_k_m|q5_k_m|q6_k|f16|bf16|f32 [--threads N]</c>.</summary>
public static class QuantizeCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("IN") { Description = "F32/F16/BF16 GGUF: a language model, or an mmproj (f16/f32 only)." };
        var output = new Argument<FileInfo>("OUT") { Description = "GGUF to write (written to a temporary file, then renamed)." };
        var type = new Option<string>("--type")
        {
            Description = $"Language model: {Names(QuantizationTarget.LanguageModel)} (llama.cpp's quantizer picks each tensor's type). mmproj: {Names(QuantizationTarget.Projector)}.",
            Required = true,
        };
        var threads = new Option<int>("--threads") { Description = "Threads (default: all cores)." };
        var command = new Command("quantize", "Quantize a language model with llama.cpp's own quantizer, or rewrite an mmproj as F16/F32.") { input, output, type, threads };
        command.SetAction((parse, cancellationToken) =>
        {
            var preset = QuantizationPreset.Parse(parse.GetValue(type)!);
            QuantizationResult? result = null;
            CliApplication.Stderr.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask("checking input", maxValue: 1);
                    result = GgufQuantizer.Quantize(parse.GetValue(input)!.FullName, parse.GetValue(output)!.FullName, preset, parse.GetValue(threads),
                        new SynchronousProgress<QuantizationProgress>(p =>
                        {
                            task.MaxValue = p.TensorsTotal;
                            task.Value = p.TensorsDone;
                            task.Description = Markup.Escape($"{p.TensorsDone}/{p.TensorsTotal} {p.CurrentTensor}");
                        }), cancellationToken);
                    task.Value = task.MaxValue;
                    task.Description = "done";
                });
            var counts = result!.TensorTypes.GroupBy(t => t.Value).OrderBy(g => g.Key)
                .Select(g => $"{GgmlTypeTraits.NameOf(g.Key)}: {g.Count()}");
            Console.WriteLine($"wrote {result.OutputPath}: {result.InputBytes / 1048576.0:F1} MiB → {result.OutputBytes / 1048576.0:F1} MiB ({string.Join(", ", counts)})");
            return Task.FromResult(CliApplication.ExitOk);
        });
        return command;
    }

    private static string Names(QuantizationTarget target) => string.Join(", ", QuantizationPreset.ForTarget(target).Select(p => p.Name));
}
