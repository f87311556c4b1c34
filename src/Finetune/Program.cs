using System.CommandLine;
using DynamicCot.Cli;
using DynamicCot.Finetune.Commands;

var root = new RootCommand("dynamiccot-finetune: fine-tune, evaluate and run a vision-language keyphrase model (Dynamic Chain-of-Thought).");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(SuggestCommand.Create());
var data = DataCommand.Create();
data.Subcommands.Add(TeacherCommand.Create());
root.Subcommands.Add(data);
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(ScoreCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(TrainWorkerCommand.Create());
// Ctrl-C must reach long commands as cancellation (train saves a checkpoint first) rather than end the process.
return CliApplication.Run(root, args, waitOnCancel: true);
