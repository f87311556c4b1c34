using System.CommandLine;
using DynamicCot.Cli;
using DynamicCot.Finetune.Training;

namespace DynamicCot.Finetune.Commands;

/// <summary>
/// <c>train-worker --config RUN_DIR/config.json [--resume]</c>: the child process that does the training (a native
/// abort here cannot take the caller down). Speaks JSON lines on stdout; <c>train</c> starts it.
/// </summary>
public static class TrainWorkerCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "The run's config.json.", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue from the latest checkpoint." };
        var command = new Command("train-worker", "(internal) The training worker process started by `train`.") { config, resume };
        command.Hidden = true;
        command.SetAction(parse =>
        {
            using var protocol = TrainingWorkerProtocol.ForConsole();
            try
            {
                var options = TrainingRunConfig.Read(parse.GetValue(config)!.FullName);
                var final = TrainingRun.Execute(options, parse.GetValue(resume), protocol.Emit, protocol.StopRequested);
                protocol.Emit(final);
                return CliApplication.ExitOk;
            }
            catch (Exception e)
            {
                protocol.Emit(TrainingEvent.ForError(CliApplication.IsUserFacing(e) ? e.Message : e.ToString()));
                return CliApplication.IsUserFacing(e) ? CliApplication.ExitInputError : CliApplication.ExitInternalError;
            }
        });
        return command;
    }
}
