using DynamicCot.Keyphrases.Data;
using DynamicCot.Gguf;
using DynamicCot.Inference.Images;

namespace DynamicCot.Finetune.Training;

/// <summary>
/// Checks a run's inputs in the calling process before a worker starts: the whole dataset (every line parses, every
/// image exists, rationales are well formed, posts have gold keyphrases), and that the model is a Qwen2-VL /
/// Qwen2.5-VL / Qwen3-VL Hugging Face checkpoint whose safetensors headers are sound, and that the device can run the chosen
/// <c>--precision</c>. Bad input fails here, naming the file (and line), before any training time is spent.
/// </summary>
public static class TrainingPreflight
{
    public sealed record Summary(int Posts, int WithImages, int WithRationales);

    public static Summary Check(TrainingRunOptions options)
    {
        options.Validate();
        Torch.QwenTextModel.Validate(options.ModelPath);
        var family = ModelFiles.HuggingFace.QwenVlConfig.Load(options.ModelPath).Architecture;
        if (options.TrainVision)
            CheckVision(options);
        if (options.Precision == Torch.MatmulPrecision.Bf16)
            Torch.Bf16Support.Require(Torch.TorchRuntime.Device(options.Device));
        if (options.ServingModelPath is not null)
        {
            using var served = GgufFile.Open(options.ServingModelPath);
            var expected = ModelFiles.Qwen.QwenVlProjector.LanguageModelArchitecture(family);
            if (!served.Metadata.TryGetString("general.architecture", out var arch) || arch != expected)
                throw new InvalidDataException($"{options.ServingModelPath}: not a {expected} language model (general.architecture is '{arch}'), so not the served form of {options.ModelPath}.");
        }
        if (options.ProjectorPath is not null)
        {
            using var projector = GgufFile.Open(options.ProjectorPath);
            if (!projector.Metadata.TryGetString("general.architecture", out var arch) || arch != "clip")
                throw new InvalidDataException($"{options.ProjectorPath}: not a multimodal projector (general.architecture is '{arch}', expected 'clip').");
        }
        int posts = 0, images = 0, rationales = 0;
        foreach (var post in DatasetReader.Read(options.DataPath, requireImagesExist: true))
        {
            posts++;
            if (post.Keyphrases.Count == 0)
                throw new DatasetFormatException(options.DataPath, posts, $"post \"{post.Id}\" has no gold keyphrases to train on");
            if (post.Image is not null) images++;
            if (post.Rationale is not null) rationales++;
        }
        if (posts == 0)
            throw new InvalidDataException($"{options.DataPath}: the dataset is empty.");
        if (options.Strategy is TrainingStrategy.Cot or TrainingStrategy.MultiTask or TrainingStrategy.Dynamic && rationales == 0)
            throw new ArgumentException($"{options.DataPath}: the {options.Strategy.Name()} strategy needs rationales, and no post has one (run `data teacher` first).");
        return new Summary(posts, images, rationales);
    }

    /// <summary>
    /// --train-vision: the checkpoint must hold the whole vision tower, and every image must decode, since the tower
    /// reads their pixels in each forward pass (a frozen tower needs them only once, through mtmd).
    /// </summary>
    private static void CheckVision(TrainingRunOptions options)
    {
        try
        {
            Torch.QwenVisionModel.Validate(options.ModelPath);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"--train-vision: {e.Message}", e);
        }
        using var decoder = new ImageDecoder();
        var problems = DatasetImageCheck.CheckAsync(options.DataPath, decoder).GetAwaiter().GetResult();
        if (problems.Count > 0)
            throw new InvalidDataException($"--train-vision: {problems.Count} image(s) cannot be read:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
    }
}
