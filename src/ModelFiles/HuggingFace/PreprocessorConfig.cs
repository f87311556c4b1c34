using System.Text.Json.Nodes;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>
/// <c>preprocessor_config.json</c> of Qwen2-VL / Qwen2.5-VL (<c>Qwen2VLImageProcessor</c>): normalisation and the
/// patch geometry. Pixel bounds are read from <c>min_pixels</c>/<c>max_pixels</c> or from the newer
/// <c>size: {shortest_edge, longest_edge}</c> spelling.
/// </summary>
public sealed record PreprocessorConfig
{
    public const string FileName = "preprocessor_config.json";

    /// <summary>The CLIP statistics Qwen2-VL and Qwen2.5-VL ship with.</summary>
    public static readonly IReadOnlyList<double> ClipImageMean = [0.48145466, 0.4578275, 0.40821073];

    public static readonly IReadOnlyList<double> ClipImageStd = [0.26862954, 0.26130258, 0.27577711];

    /// <summary>Per-channel (RGB) mean subtracted after rescaling to [0, 1].</summary>
    public IReadOnlyList<double> ImageMean { get; init; } = ClipImageMean;

    public IReadOnlyList<double> ImageStd { get; init; } = ClipImageStd;

    public int PatchSize { get; init; } = 14;

    /// <summary>Spatial merge size (2 × 2 patches become one LM token).</summary>
    public int MergeSize { get; init; } = 2;

    public int TemporalPatchSize { get; init; } = 2;

    public long MinPixels { get; init; } = 56 * 56;

    public long MaxPixels { get; init; } = 28 * 28 * 1280 * 4 * 4;

    public string ImageProcessorType { get; init; } = "Qwen2VLImageProcessor";

    public string ProcessorClass { get; init; } = "Qwen2VLProcessor";

    /// <summary>Loads from a file or from a checkpoint directory.</summary>
    /// <exception cref="HfFileFormatException">Missing file or a malformed key (named).</exception>
    public static PreprocessorConfig Load(string fileOrDirectory)
    {
        string path = Directory.Exists(fileOrDirectory) ? Path.Combine(fileOrDirectory, FileName) : fileOrDirectory;
        return Parse(JsonObjectReader.Load(path));
    }

    public static PreprocessorConfig Parse(string json, string sourceName = FileName) => Parse(JsonObjectReader.Parse(sourceName, json));

    private static PreprocessorConfig Parse(JsonObjectReader reader)
    {
        var defaults = new PreprocessorConfig();
        var size = reader.OptionalObject("size");
        long minPixels = reader.OptionalLong("min_pixels") ?? size?.OptionalLong("shortest_edge") ?? defaults.MinPixels;
        long maxPixels = reader.OptionalLong("max_pixels") ?? size?.OptionalLong("longest_edge") ?? defaults.MaxPixels;
        if (minPixels <= 0 || maxPixels < minPixels)
            throw reader.Error("max_pixels", $"pixel bounds [{minPixels}, {maxPixels}] are not 0 < min_pixels <= max_pixels");

        return new PreprocessorConfig
        {
            ImageMean = ReadChannels(reader, "image_mean") ?? defaults.ImageMean,
            ImageStd = ReadChannels(reader, "image_std", mustBePositive: true) ?? defaults.ImageStd,
            PatchSize = reader.OptionalPositiveInt("patch_size") ?? defaults.PatchSize,
            MergeSize = reader.OptionalPositiveInt("merge_size") ?? defaults.MergeSize,
            TemporalPatchSize = reader.OptionalPositiveInt("temporal_patch_size") ?? defaults.TemporalPatchSize,
            MinPixels = minPixels,
            MaxPixels = maxPixels,
            ImageProcessorType = reader.OptionalString("image_processor_type") ?? defaults.ImageProcessorType,
            ProcessorClass = reader.OptionalString("processor_class") ?? defaults.ProcessorClass,
        };
    }

    private static IReadOnlyList<double>? ReadChannels(JsonObjectReader reader, string key, bool mustBePositive = false)
    {
        var values = reader.OptionalDoubleArray(key);
        if (values is null)
            return null;
        if (values.Count != 3)
            throw reader.Error(key, $"must have 3 (RGB) values, found {values.Count}");
        if (mustBePositive && values.Any(value => !(value > 0)))
            throw reader.Error(key, "values must be positive");
        return values;
    }

    /// <summary>Writes the file in the layout the published Qwen2-VL checkpoints use.</summary>
    public void Save(string path) => HfJson.WriteFile(path, ToJson());

    public JsonObject ToJson() => new()
    {
        ["min_pixels"] = MinPixels,
        ["max_pixels"] = MaxPixels,
        ["patch_size"] = PatchSize,
        ["temporal_patch_size"] = TemporalPatchSize,
        ["merge_size"] = MergeSize,
        ["image_mean"] = new JsonArray(ImageMean.Select(value => (JsonNode?)value).ToArray()),
        ["image_std"] = new JsonArray(ImageStd.Select(value => (JsonNode?)value).ToArray()),
        ["image_processor_type"] = ImageProcessorType,
        ["processor_class"] = ProcessorClass,
    };
}
