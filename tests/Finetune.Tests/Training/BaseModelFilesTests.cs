using DynamicCot.Finetune.Training;
using DynamicCot.Tests.Shared;

namespace DynamicCot.Finetune.Tests.Training;

public sealed class BaseModelFilesTests
{
    [Fact]
    public void A_given_language_model_is_used_as_is_and_nothing_is_converted()
    {
        using var folder = TestPaths.NewTempFolder();
        var run = folder.File("run");
        // The checkpoint folder does not even exist: converting it would throw.
        var served = BaseModelFiles.Ensure(new TrainingRunOptions
        {
            ModelPath = folder.File("no-such-checkpoint"),
            DataPath = folder.File("posts.jsonl"),
            OutputDirectory = run,
            ServingModelPath = folder.File("model.gguf"),
        });
        Assert.Equal(folder.File("model.gguf"), served.LanguageModel);
        Assert.Null(served.Projector);
        Assert.False(Directory.Exists(Path.Combine(run, BaseModelFiles.FolderName)));
    }
}
