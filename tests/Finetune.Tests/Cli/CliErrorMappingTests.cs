using System.CommandLine;
using DynamicCot.Cli;
using DynamicCot.Gguf;
using DynamicCot.Keyphrases.Data;
using DynamicCot.Llama.Native;
using DynamicCot.ModelFiles.Quantization;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Cli;

/// <summary>
/// The command lines map an error to an exit code by <see cref="DynamicCot.Keyphrases.IUserFacingError"/> alone: each
/// layer's own errors (the native layer's too) print one line naming the input and exit 1; anything else is a bug,
/// printed whole with exit 70.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class CliErrorMappingTests
{
    public static TheoryData<string> UserFacing => ["native", "library", "dataset", "quantization", "gguf"];

    private static Exception Raised(string kind) => kind switch
    {
        "native" => new LlamaNativeException("llama_model_load_from_file", "llama.cpp could not load 'model.gguf'."),
        "library" => new LlamaLibraryException("/opt/libllama.so", "'/opt/libllama.so' is not the pinned llama.cpp build."),
        "dataset" => new DatasetFormatException("posts.jsonl", 3, "the line is not a JSON object"),
        "quantization" => new QuantizationInputException("model.gguf", "'model.gguf' is a projector, not a language model."),
        "gguf" => new GgufFormatException("model.gguf", 0, "the magic is not GGUF"),
        _ => new InvalidOperationException("a bug"),
    };

    private static InProcessCli.Outcome RunFailing(Exception error)
    {
        var command = new Command("fail");
        command.SetAction(new Func<ParseResult, int>(_ => throw error));
        return InProcessCli.Run(command, "fail");
    }

    [Theory]
    [MemberData(nameof(UserFacing))]
    public void A_user_facing_error_from_any_layer_prints_its_message_and_exits_1(string kind)
    {
        var error = Raised(kind);
        var run = RunFailing(error);
        Assert.Equal(CliApplication.ExitInputError, run.ExitCode);
        Assert.Equal($"error: {error.Message}", run.Stderr.Trim());
    }

    [Fact]
    public void Anything_else_is_an_internal_error_with_its_stack()
    {
        var run = RunFailing(new InvalidOperationException("a bug"));
        Assert.Equal(CliApplication.ExitInternalError, run.ExitCode);
        Assert.StartsWith("internal error: System.InvalidOperationException: a bug", run.Stderr);
    }
}
