using System.CommandLine;
using DynamicCot.Cli;
using DynamicCot.Finetune.Commands;

var root = new RootCommand("dynamiccot-finetune: fine-tune, evaluate and run a vision-language keyphrase model (Dynamic Chain-of-Thought).");
root.Subcommands.Add(SuggestCommand.Create());
root.Subcommands.Add(DataCommand.Create());
root.Subcommands.Add(ScoreCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
return CliApplication.Run(root, args);
