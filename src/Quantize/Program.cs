using System.CommandLine;
using DynamicCot.Cli;

var root = new RootCommand("dynamiccot-quantize: convert Hugging Face Qwen2-VL / Qwen2.5-VL checkpoints to GGUF, quantize, inspect, and make tiny test models.");
root.Subcommands.Add(InfoCommand.Create());
return CliApplication.Run(root, args);
