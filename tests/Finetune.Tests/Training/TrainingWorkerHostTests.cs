using System.Collections.Concurrent;
using DynamicCot.Finetune.Training;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Training;

/// <summary>
/// The host against real child processes: bash scripts that speak the protocol, abort with a real SIGABRT, stop on
/// the stdin command, or ignore it.
/// </summary>
public sealed class TrainingWorkerHostTests : IDisposable
{
    private readonly TempFolder _folder = TestPaths.NewTempFolder("dynamiccot-worker");

    private TrainingWorkerStartInfo Script(string body)
    {
        var path = _folder.File($"worker-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, "set -e\n" + body.Replace("\r", ""));
        return new TrainingWorkerStartInfo("bash", [path]);
    }

    private sealed class Collect : IProgress<TrainingEvent>
    {
        public ConcurrentQueue<TrainingEvent> Events { get; } = new();
        public Action<TrainingEvent>? OnEvent { get; init; }
        public void Report(TrainingEvent value)
        {
            Events.Enqueue(value);
            OnEvent?.Invoke(value);
        }
    }

    [Fact]
    public async Task Events_are_forwarded_in_order_and_done_completes_the_run()
    {
        var host = new TrainingWorkerHost(Script("""
            echo '{"event":"step","step":1,"epoch":1,"loss":2.5,"lr":0.0001,"tokens_per_second":900}'
            echo 'a stray print'
            echo 'llama.cpp says hello' >&2
            echo '{"event":"epoch","epoch":1,"step":1,"cot":3,"sft":1,"fallback_sft":0}'
            echo '{"event":"done","step":1,"adapter":"/run/adapter.gguf"}'
            """));
        var progress = new Collect();
        var result = await host.RunAsync(progress);
        Assert.Equal(TrainingWorkerOutcome.Completed, result.Outcome);
        Assert.Equal("/run/adapter.gguf", result.FinalEvent.AdapterPath);
        Assert.Equal(["step", "log", "epoch", "done"], progress.Events.Select(e => e.Kind));
        var step = progress.Events.First();
        Assert.Equal((1L, 1, 2.5, 0.0001, 900.0), (step.Step!.Value, step.Epoch!.Value, step.Loss!.Value, step.LearningRate!.Value, step.TokensPerSecond!.Value));
        Assert.Equal(3, (int)progress.Events.ElementAt(2).Fields["cot"]!);
        Assert.Equal(["llama.cpp says hello"], result.StderrTail);
    }

    [Fact]
    public async Task A_native_abort_reports_the_signal_the_stderr_tail_and_the_checkpoint_to_resume_from()
    {
        var host = new TrainingWorkerHost(Script("""
            echo '{"event":"step","step":40,"epoch":2,"loss":1.1,"lr":0.0002}'
            echo '{"event":"checkpoint","step":40,"path":"/run/checkpoints/step-00000040"}'
            echo '{"event":"step","step":41,"epoch":2,"loss":1.0,"lr":0.0002}'
            echo 'ggml.c:1234: GGML_ASSERT(ggml_nelements(a) == ggml_nelements(b)) failed' >&2
            kill -ABRT $$
            """));
        var error = await Assert.ThrowsAsync<TrainingWorkerFailedException>(() => host.RunAsync());
        Assert.Equal(134, error.ExitCode);
        Assert.Equal("SIGABRT", error.Signal);
        Assert.Equal("/run/checkpoints/step-00000040", error.ResumeCheckpoint);
        Assert.Contains("killed by SIGABRT", error.Message);
        Assert.Contains("after step 41", error.Message);
        Assert.Contains("GGML_ASSERT", error.Message);
        Assert.Contains("--resume", error.Message);
    }

    [Fact]
    public async Task A_sigkill_is_reported_as_the_out_of_memory_killer_with_the_memory_figure_not_as_a_resume()
    {
        // The worker grows to ~200 MB (a real allocation the host samples), then dies of SIGKILL as the OOM killer kills.
        var host = new TrainingWorkerHost(Script("""
            echo '{"event":"checkpoint","step":4,"path":"/run/checkpoints/step-00000004"}'
            echo '{"event":"log","message":"writing the merged checkpoint"}'
            exec python3 -c "import os, signal, time; b = bytearray(200 * 1024 * 1024); time.sleep(2.5); os.kill(os.getpid(), signal.SIGKILL)"
            """));
        var error = await Assert.ThrowsAsync<TrainingWorkerFailedException>(() => host.RunAsync());
        Assert.Equal("SIGKILL", error.Signal);
        Assert.Contains("out-of-memory killer", error.Message);
        Assert.Matches(@"resident memory had reached 0\.[2-9] GB", error.Message);
        Assert.DoesNotContain("Resume from the checkpoint", error.Message);
        Assert.Contains("once the run fits in memory", error.Message);
    }

    [Fact]
    public async Task An_error_event_and_exit_code_without_a_reported_checkpoint_point_at_the_run_folders_newest()
    {
        var run = _folder.File("run");
        Directory.CreateDirectory(Path.Combine(run, TrainingCheckpointStore.FolderName, "step-00000012"));
        Directory.CreateDirectory(Path.Combine(run, TrainingCheckpointStore.FolderName, "step-00000008"));
        var host = new TrainingWorkerHost(Script("""
            echo '{"event":"error","message":"posts.jsonl:17: the rationale has no <answer>"}'
            exit 3
            """), new TrainingWorkerHostOptions { RunDirectory = run });
        var error = await Assert.ThrowsAsync<TrainingWorkerFailedException>(() => host.RunAsync());
        Assert.Equal(3, error.ExitCode);
        Assert.Null(error.Signal);
        Assert.Equal("posts.jsonl:17: the rationale has no <answer>", error.WorkerError);
        Assert.EndsWith("step-00000012", error.ResumeCheckpoint);

        var silent = new TrainingWorkerHost(Script("exit 0"));
        Assert.Contains("without reporting", (await Assert.ThrowsAsync<TrainingWorkerFailedException>(() => silent.RunAsync())).Message);
    }

    [Fact]
    public async Task Cancelling_sends_a_stop_request_and_the_worker_saves_and_exits_cleanly()
    {
        var host = new TrainingWorkerHost(Script("""
            step=0
            while true; do
              step=$((step+1))
              echo "{\"event\":\"step\",\"step\":$step,\"epoch\":1,\"loss\":1,\"lr\":0.001}"
              if read -t 0.1 line; then
                case "$line" in
                  *'"command":"stop"'*)
                    echo "{\"event\":\"stopped\",\"step\":$step,\"checkpoint\":\"/run/checkpoints/step-$step\"}"
                    exit 0;;
                esac
              fi
            done
            """));
        using var cancel = new CancellationTokenSource();
        var progress = new Collect { OnEvent = e => { if (e.Step >= 3) cancel.Cancel(); } };
        var result = await host.RunAsync(progress, cancel.Token).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(TrainingWorkerOutcome.Stopped, result.Outcome);
        Assert.StartsWith("/run/checkpoints/step-", result.FinalEvent.CheckpointPath);
        Assert.True(result.FinalEvent.Step >= 3);
    }

    [Fact]
    public async Task A_worker_that_ignores_the_stop_request_is_killed_after_the_grace_period()
    {
        var host = new TrainingWorkerHost(Script("""
            echo '{"event":"step","step":1,"epoch":1,"loss":1,"lr":0.001}'
            exec sleep 30
            """), new TrainingWorkerHostOptions { StopGracePeriod = TimeSpan.FromMilliseconds(500) });
        using var cancel = new CancellationTokenSource();
        var progress = new Collect { OnEvent = _ => cancel.Cancel() };
        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<TrainingWorkerFailedException>(() => host.RunAsync(progress, cancel.Token));
        Assert.Contains("did not stop within", error.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));
    }

    [Fact]
    public void The_finetune_worker_is_started_under_its_own_runtime_configuration()
    {
        var start = TrainingWorkerStartInfo.ForFinetuneWorker("run/config.json");
        var arguments = start.Arguments.ToArray();
        Assert.Equal(["train-worker", "--config", Path.GetFullPath("run/config.json")], arguments[^3..]);
        if (arguments[0] == "exec")
        {
            // dotnet exec --runtimeconfig dynamiccot-finetune.runtimeconfig.json dynamiccot-finetune.dll: never the host's.
            Assert.Equal("--runtimeconfig", arguments[1]);
            Assert.EndsWith("dynamiccot-finetune.runtimeconfig.json", arguments[2]);
            Assert.DoesNotContain("Microsoft.AspNetCore.App", File.ReadAllText(arguments[2]));
            Assert.EndsWith("dynamiccot-finetune.dll", arguments[3]);
        }
        else
            Assert.Equal("dynamiccot-finetune", Path.GetFileNameWithoutExtension(start.FileName));
    }

    public void Dispose() => _folder.Dispose();
}

public sealed class TrainingWorkerProtocolTests
{
    [Fact]
    public void Events_are_single_json_lines_and_the_stop_command_or_end_of_input_requests_a_stop()
    {
        var output = new StringWriter();
        var (reader, writer) = Pipe();
        using var protocol = new TrainingWorkerProtocol(output, reader);
        protocol.Emit(TrainingEvent.ForStep(new StepMetrics(3, 1, 2.0, 1e-4, TokensPerSecond: 10)));
        protocol.Emit(TrainingEvent.ForEpoch(new EpochMetrics(1, 3, 5, 4, 1)));
        protocol.Emit(TrainingEvent.ForStopped(3, "/run/checkpoints/step-00000003"));
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("{\"event\":\"step\",\"step\":3,\"epoch\":1,\"loss\":2,\"lr\":0.0001,\"tokens_per_second\":10}", lines[0]);
        Assert.Equal(4, (int)TrainingEvent.TryParse(lines[1])!.Fields["sft"]!);
        Assert.Equal("/run/checkpoints/step-00000003", TrainingEvent.TryParse(lines[2])!.CheckpointPath);
        Assert.Null(TrainingEvent.TryParse("not json"));

        Assert.False(protocol.StopRequested.IsCancellationRequested);
        writer.WriteLine("{\"command\":\"pause\"}");
        writer.WriteLine("{\"command\":\"stop\"}");
        writer.Flush();
        Assert.True(protocol.StopRequested.WaitHandle.WaitOne(TimeSpan.FromSeconds(5)));
        Assert.Equal("command", protocol.StopReason);

        var (closedReader, closedWriter) = Pipe();
        using var orphan = new TrainingWorkerProtocol(new StringWriter(), closedReader);
        closedWriter.Dispose();
        Assert.True(orphan.StopRequested.WaitHandle.WaitOne(TimeSpan.FromSeconds(5)));
        Assert.Equal("stdin closed", orphan.StopReason);
    }

    private static (TextReader Reader, StreamWriter Writer) Pipe()
    {
        var server = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        var client = new System.IO.Pipes.AnonymousPipeClientStream(System.IO.Pipes.PipeDirection.In, server.ClientSafePipeHandle);
        return (new StreamReader(client), new StreamWriter(server));
    }
}
