using System.Text.Json.Nodes;

namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>The checkpoint families this project converts.</summary>
public enum QwenVlArchitecture
{
    /// <summary><c>Qwen2VLForConditionalGeneration</c>, model_type <c>qwen2_vl</c>.</summary>
    Qwen2Vl,

    /// <summary><c>Qwen2_5_VLForConditionalGeneration</c>, model_type <c>qwen2_5_vl</c>.</summary>
    Qwen25Vl,

    /// <summary><c>Qwen3VLForConditionalGeneration</c>, model_type <c>qwen3_vl</c> (dense; Instruct and Thinking).</summary>
    Qwen3Vl,
}

public static class QwenVlArchitectures
{
    public static string ArchitectureClass(this QwenVlArchitecture architecture) => architecture switch
    {
        QwenVlArchitecture.Qwen2Vl => "Qwen2VLForConditionalGeneration",
        QwenVlArchitecture.Qwen3Vl => "Qwen3VLForConditionalGeneration",
        _ => "Qwen2_5_VLForConditionalGeneration",
    };

    public static string ModelType(this QwenVlArchitecture architecture) => architecture switch
    {
        QwenVlArchitecture.Qwen2Vl => "qwen2_vl",
        QwenVlArchitecture.Qwen3Vl => "qwen3_vl",
        _ => "qwen2_5_vl",
    };
}

/// <summary>
/// The <c>config.json</c> of a Qwen2-VL, Qwen2.5-VL or Qwen3-VL checkpoint: the facts a converter needs.
/// Reads both the flat layout (text fields at the root, transformers ≤ 4.49 and the published checkpoints) and the
/// nested one (<c>text_config</c>, newer transformers; <c>rope_parameters</c> as well as <c>rope_scaling</c>).
/// <see cref="Save"/> writes the flat layout that every transformers version and llama.cpp's converter read.
/// Qwen3-VL exists only in the nested layout; <see cref="Qwen3VlConfigJson"/> reads and writes it.
/// </summary>
public sealed record QwenVlConfig
{
    public const string FileName = "config.json";

    public required QwenVlArchitecture Architecture { get; init; }

    public required QwenVlTextConfig Text { get; init; }

    public required QwenVlVisionConfig Vision { get; init; }

    public int? VisionStartTokenId { get; init; }

    public int? VisionEndTokenId { get; init; }

    public int? VisionTokenId { get; init; }

    public int? ImageTokenId { get; init; }

    public int? VideoTokenId { get; init; }

    /// <summary>The dtype the weights were saved in (<c>bfloat16</c>, <c>float32</c>, ...); informational.</summary>
    public string? TorchDtype { get; init; }

    /// <summary>Loads <c>config.json</c> from a file or from a checkpoint directory.</summary>
    /// <exception cref="HfFileFormatException">Missing file, invalid JSON, a missing or malformed key (named).</exception>
    public static QwenVlConfig Load(string fileOrDirectory)
    {
        string path = Directory.Exists(fileOrDirectory) ? Path.Combine(fileOrDirectory, FileName) : fileOrDirectory;
        return Parse(JsonObjectReader.Load(path));
    }

    /// <summary>Parses JSON text; <paramref name="sourceName"/> names it in errors.</summary>
    public static QwenVlConfig Parse(string json, string sourceName = FileName) => Parse(JsonObjectReader.Parse(sourceName, json));

    private static QwenVlConfig Parse(JsonObjectReader root)
    {
        var architecture = DetectArchitecture(root);
        if (architecture == QwenVlArchitecture.Qwen3Vl)
            return Qwen3VlConfigJson.Parse(root);
        var textSection = root.OptionalObject("text_config") ?? root;
        var text = QwenVlTextConfig.Parse(textSection, root);
        var vision = QwenVlVisionConfig.Parse(root.RequireObject("vision_config"), architecture, text.HiddenSize);
        return new QwenVlConfig
        {
            Architecture = architecture,
            Text = text,
            Vision = vision,
            VisionStartTokenId = root.OptionalInt("vision_start_token_id"),
            VisionEndTokenId = root.OptionalInt("vision_end_token_id"),
            VisionTokenId = root.OptionalInt("vision_token_id"),
            ImageTokenId = root.OptionalInt("image_token_id"),
            VideoTokenId = root.OptionalInt("video_token_id"),
            TorchDtype = root.OptionalString("torch_dtype") ?? root.OptionalString("dtype"),
        };
    }

    private static QwenVlArchitecture DetectArchitecture(JsonObjectReader root)
    {
        var classes = root.OptionalStringArray("architectures") ?? [];
        foreach (var name in classes)
        {
            foreach (var candidate in Enum.GetValues<QwenVlArchitecture>())
            {
                if (name == candidate.ArchitectureClass())
                    return candidate;
            }
        }
        string? modelType = root.OptionalString("model_type");
        foreach (var candidate in Enum.GetValues<QwenVlArchitecture>())
        {
            if (modelType == candidate.ModelType())
                return candidate;
        }
        throw root.Error(modelType is null ? "architectures" : "model_type",
            $"not a checkpoint of a supported family (architectures [{string.Join(", ", classes)}], model_type {modelType ?? "missing"}); supported: "
            + $"{Qwen.SupportedFamilies.Names} — {Qwen.SupportedFamilies.ArchitectureClasses}");
    }

    /// <summary>Writes <c>config.json</c> (flat layout) to <paramref name="path"/> (a file path).</summary>
    public void Save(string path) => HfJson.WriteFile(path, ToJson());

    public JsonObject ToJson()
    {
        if (Architecture == QwenVlArchitecture.Qwen3Vl)
            return Qwen3VlConfigJson.ToJson(this);
        var root = new JsonObject
        {
            ["architectures"] = new JsonArray(Architecture.ArchitectureClass()),
            ["model_type"] = Architecture.ModelType(),
        };
        Text.WriteTo(root);
        AddIfSet(root, "vision_start_token_id", VisionStartTokenId);
        AddIfSet(root, "vision_end_token_id", VisionEndTokenId);
        AddIfSet(root, "vision_token_id", VisionTokenId);
        AddIfSet(root, "image_token_id", ImageTokenId);
        AddIfSet(root, "video_token_id", VideoTokenId);
        if (TorchDtype is not null)
            root["torch_dtype"] = TorchDtype;
        root["vision_config"] = Vision.ToJson(Architecture);
        return root;
    }

    internal static void AddIfSet(JsonObject node, string key, int? value)
    {
        if (value is not null)
            node[key] = value.Value;
    }
}
