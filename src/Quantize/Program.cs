using System.CommandLine;
using DynamicCot.Cli;
using DynamicCot.Quantize.Commands;

var root = new RootCommand("dynamiccot-quantize: convert Hugging Face Qwen2-VL / Qwen2.5-VL / Qwen3-VL checkpoints to GGUF, quantize, inspect, and make tiny test models.");
root.Subcommands.Add(TinyCommand.Create());
root.Subcommands.Add(ConvertCommand.Create());
root.Subcommands.Add(QuantizeCommand.Create());
root.Subcommands.Add(InspectCommand.Create());
root.Subcommands.Add(LoraCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
return CliApplication.Run(root, args);
