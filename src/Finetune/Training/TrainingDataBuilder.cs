using DynamicCot.Finetune.ModelInputs;
using DynamicCot.Finetune.Torch;
using DynamicCot.Keyphrases.Data;
using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Inference.Llama;
using DynamicCot.Llama.Native;

namespace DynamicCot.Finetune.Training;

/// <summary>
/// Turns dataset posts into token sequences exactly as the serving engine will see them: the prompt is built by the
/// same prompt builder and tokenized by llama.cpp/mtmd (so an image sits where the engine puts it, wrapped in the
/// vision tokens), and the targets are the answer formats the engine's grammar allows, tokenized after the prompt.
/// With <paramref name="vision"/> (the tower is trained), each image also carries its pixels prepared for the tower,
/// checked to give the token grid mtmd laid out.
/// </summary>
public sealed class TrainingDataBuilder(LlamaModel model, MtmdContext? projector, ImageEmbeddingCache? images, KeyphrasePromptBuilder prompts,
    VisionImagePreparer? vision = null)
{
    public TrainingExample Build(string datasetPath, KeyphrasePost post)
    {
        if (post.Keyphrases.Count == 0)
            throw new DatasetFormatException(datasetPath, 0, $"post '{post.Id}' has no gold keyphrases to train on");
        var imagePath = DatasetReader.ImagePath(datasetPath, post);
        if (imagePath is not null && (projector is null || images is null))
            throw new ArgumentException($"Post '{post.Id}' has an image but no --mmproj was given.");
        var promptText = prompts.BuildPrompt(post.Text, imagePath is not null);
        var segments = imagePath is null ? [new TextSegment(Tokenize(promptText))] : PromptWithImage(promptText, imagePath);
        var sft = Tokenize(prompts.BuildTarget(post.Keyphrases));
        var cot = string.IsNullOrWhiteSpace(post.Rationale) ? null : Tokenize(prompts.BuildTarget(post.Keyphrases, post.Rationale));
        return new TrainingExample(post.Id, segments, sft, cot, imagePath);
    }

    /// <summary>
    /// Text before the image, the image, text after it — with the image wrapped in <c>&lt;|vision_start|&gt;</c> …
    /// <c>&lt;|vision_end|&gt;</c> as mtmd does for Qwen-VL projectors, so the tokens equal what the engine evaluates.
    /// </summary>
    private List<SequenceSegment> PromptWithImage(string prompt, string imagePath)
    {
        var marker = projector!.Marker;
        var at = prompt.IndexOf(marker, StringComparison.Ordinal);
        return
        [
            new TextSegment(Tokenize(prompt[..at] + VisionStart)),
            WithPixels(images!.Get(imagePath), imagePath),
            new TextSegment(Tokenize(VisionEnd + prompt[(at + marker.Length)..])),
        ];
    }

    private ImageSegment WithPixels(ImageSegment segment, string imagePath)
    {
        if (vision is null)
            return segment;
        var pixels = vision.Prepare(imagePath);
        var (columns, rows) = pixels.Grid(vision.TokenPixels);
        if (columns * rows != segment.TokenCount || segment.RowOffsets.Max() + 1 != rows || segment.ColumnOffsets.Max() + 1 != columns)
            throw new InvalidDataException($"{imagePath}: the vision tower would see {columns}×{rows} tokens but mtmd laid out {segment.TokenCount} "
                + $"({segment.ColumnOffsets.Max() + 1}×{segment.RowOffsets.Max() + 1}) for --image-max-tokens {vision.ImageMaxTokens}.");
        return segment with { Pixels = pixels };
    }

    private const string VisionStart = "<|vision_start|>";
    private const string VisionEnd = "<|vision_end|>";

    private int[] Tokenize(string text) => model.Vocab.Tokenize(text, addSpecial: false, parseSpecial: true).Select(t => t.Value).ToArray();
}
