using System.CommandLine;
using System.Text.Json;
using DynamicCot.Finetune.Commands;
using DynamicCot.Keyphrases.Data;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Commands;

[Collection(ConsoleCollection.Name)]
public sealed class TeacherCommandTests
{
    [Fact]
    public async Task Data_teacher_asks_the_endpoint_with_the_key_from_the_environment_and_prints_the_summary()
    {
        using var folder = TestPaths.NewTempFolder();
        var data = TeacherFixtures.WriteDataset(folder, 3);
        await using var server = new FakeChatServer(TeacherFixtures.Agreeing);
        Environment.SetEnvironmentVariable("DYNAMICCOT_TEST_TEACHER_KEY", "sk-from-env");
        try
        {
            var run = InProcessCli.Run(new Command("data") { TeacherCommand.Create() }, "data", "teacher", "--data", data, "--out", folder.File("cot.jsonl"),
                "--endpoint", server.Url, "--model", "gpt-test", "--api-key-env", "DYNAMICCOT_TEST_TEACHER_KEY",
                "--price-in", "2.5", "--price-out", "10", "--retry-base", "0.01", "--json");

            Assert.True(run.ExitCode == 0, run.Stderr);
            using var summary = JsonDocument.Parse(run.Stdout);
            Assert.Equal(3, summary.RootElement.GetProperty("kept").GetInt32());
            Assert.Equal(300, summary.RootElement.GetProperty("thisRun").GetProperty("promptTokens").GetInt64());
            Assert.Equal(0.00135m, summary.RootElement.GetProperty("thisRun").GetProperty("cost").GetDecimal());
            Assert.All(server.Requests, r => Assert.Equal("Bearer sk-from-env", r.Authorization));
            Assert.All(server.Requests, r => Assert.Equal("gpt-test", r.Body.GetProperty("model").GetString()));
            Assert.Equal(3, DatasetReader.ReadAll(folder.File("cot.jsonl")).Count(p => p.Rationale is not null));

            var missingKey = InProcessCli.Run(new Command("data") { TeacherCommand.Create() }, "data", "teacher", "--data", data, "--out", folder.File("x.jsonl"),
                "--endpoint", server.Url, "--model", "m", "--api-key-env", "DYNAMICCOT_TEST_NO_SUCH_VARIABLE");
            Assert.Equal(1, missingKey.ExitCode);
            Assert.Contains("DYNAMICCOT_TEST_NO_SUCH_VARIABLE", missingKey.Stderr);

            var missingGguf = InProcessCli.Run(new Command("data") { TeacherCommand.Create() }, "data", "teacher", "--data", data, "--out", folder.File("x.jsonl"),
                "--model", folder.File("teacher.gguf"));
            Assert.Equal(1, missingGguf.ExitCode);
            Assert.Contains("teacher.gguf", missingGguf.Stderr);
        }
        finally
        {
            Environment.SetEnvironmentVariable("DYNAMICCOT_TEST_TEACHER_KEY", null);
        }
    }
}
