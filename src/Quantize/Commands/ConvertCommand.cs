using System.CommandLine;
using DynamicCot.Cli;
using DynamicCot.ModelFiles.Qwen;
using Spectre.Console;

namespace DynamicCot.Quantize.Commands;

/// <summary><c>convert HF_DIR --out LM.gguf --mmproj MMPROJ.gguf [--type f32|f16|bf16]</c>.</summary>
public static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<DirectoryInfo>("HF_DIR") { Description = "Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer.json, preprocessor_config.json)." };
        var output = new Option<FileInfo>("--out") { Description = "Language-model GGUF to write.", Required = true };
        var mmproj = new Option<FileInfo>("--mmproj") { Description = "Multimodal projector GGUF to write.", Required = true };
        var type = new Option<string>("--type") { Description = "f32, f16 or bf16 (default f16).", DefaultValueFactory = _ => "f16" };
        var name = new Option<string?>("--name") { Description = "general.name (default: the folder name)." };
        var command = new Command("convert", "Convert a Qwen2-VL / Qwen2.5-VL / Qwen3-VL checkpoint into a llama.cpp language model GGUF plus an mmproj GGUF.")
        {
            input, output, mmproj, type, name,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var options = new ConversionOptions
            {
                OutputType = GgufOutputTypes.Parse(parse.GetValue(type)!),
                ModelName = parse.GetValue(name),
            };
            ConversionResult? result = null;
            CliApplication.Stderr.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask("converting", maxValue: 1);
                    result = QwenVlGgufConverter.Convert(parse.GetValue(input)!.FullName, parse.GetValue(output)!.FullName, parse.GetValue(mmproj)!.FullName,
                        options, new SynchronousProgress<ConversionProgress>(p => { task.MaxValue = p.TensorsTotal; task.Value = p.TensorsDone; task.Description = Markup.Escape(p.CurrentTensor); }), cancellationToken);
                    task.Value = task.MaxValue;
                });
            Console.WriteLine($"wrote {result!.LanguageModelPath} ({result.LanguageModelTensors} tensors) and {result.ProjectorPath} ({result.ProjectorTensors} tensors)");
            return Task.FromResult(CliApplication.ExitOk);
        });
        return command;
    }
}
