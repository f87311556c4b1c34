using DynamicCot.ModelFiles.Qwen;

namespace DynamicCot.Finetune.Training;

/// <summary>The served form of the checkpoint being trained: its language-model GGUF (tokenizer) and projector GGUF.</summary>
public sealed record ServedModelFiles(string LanguageModel, string? Projector);

/// <summary>
/// The trainer tokenizes and embeds images with the serving engine itself, so training sees exactly the tokens and
/// image embeddings the plugin will. When the run was not given the checkpoint's language-model GGUF, the checkpoint
/// is converted once into <c>RUN_DIR/base</c> (and reused by a resume).
/// </summary>
public static class BaseModelFiles
{
    public const string FolderName = "base";

    public static ServedModelFiles Ensure(TrainingRunOptions options, Action<string>? message = null)
    {
        // Given the language model (--gguf), nothing is converted: text posts need only it, and a post with an image
        // and no --mmproj is refused by name when the examples are built.
        if (options.ServingModelPath is not null)
            return new ServedModelFiles(options.ServingModelPath, options.ProjectorPath);
        var folder = Path.Combine(options.OutputDirectory, FolderName);
        var language = Path.Combine(folder, "model-f16.gguf");
        var projector = Path.Combine(folder, "mmproj-f16.gguf");
        if (!File.Exists(language) || !File.Exists(projector))
        {
            message?.Invoke($"converting {options.ModelPath} for tokenizing and image embedding (once) into {folder}");
            Directory.CreateDirectory(folder);
            var partialLanguage = language + ".partial";
            var partialProjector = projector + ".partial";
            QwenVlGgufConverter.Convert(options.ModelPath, partialLanguage, partialProjector, new ConversionOptions { OutputType = GgufOutputType.F16 });
            File.Move(partialProjector, projector, overwrite: true);
            File.Move(partialLanguage, language, overwrite: true);
        }
        return new ServedModelFiles(options.ServingModelPath ?? language, options.ProjectorPath ?? projector);
    }
}
