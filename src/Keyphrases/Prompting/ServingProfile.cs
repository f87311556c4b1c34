using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamicCot.Keyphrases.Prompting;

/// <summary>
/// How a model was trained to be asked: the image-token budget its image embeddings had and the prompt format version.
/// A model served at another budget sees images it never saw in training (measured: the demo model scored F1@M 57.7
/// on its own posts at its training budget of 32 and 0.48 at the projector's default), so the training run records
/// the profile beside its outputs (<see cref="FileName"/> in the run folder and in the merged checkpoint), `convert`
/// copies it into the language model's GGUF metadata (<see cref="ImageMaxTokensKey"/>, <see cref="PromptFormatKey"/>;
/// llama.cpp's quantizer keeps them), and serving uses it unless told otherwise.
/// </summary>
public sealed record ServingProfile(int ImageMaxTokens, int PromptFormat)
{
    /// <summary>The prompt format this build writes (<see cref="KeyphrasePromptBuilder"/>); bump it when the prompt changes.</summary>
    public const int CurrentPromptFormat = 1;

    public const string FileName = "dynamiccot.json";
    public const string ImageMaxTokensKey = "dynamiccot.image_max_tokens";
    public const string PromptFormatKey = "dynamiccot.prompt_format";

    /// <summary>Writes <see cref="FileName"/> into <paramref name="directory"/> (temp file + rename).</summary>
    public void WriteTo(string directory)
    {
        var json = new JsonObject { ["image_max_tokens"] = ImageMaxTokens, ["prompt_format"] = PromptFormat };
        var path = Path.Combine(directory, FileName);
        var temp = path + ".tmp";
        File.WriteAllText(temp, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads <see cref="FileName"/> from <paramref name="directory"/>; null when the folder has none.</summary>
    public static ServingProfile? ReadFrom(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            return null;
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException("not a JSON object");
            var tokens = node["image_max_tokens"]?.GetValue<int>() ?? throw new InvalidDataException("no image_max_tokens");
            var format = node["prompt_format"]?.GetValue<int>() ?? throw new InvalidDataException("no prompt_format");
            if (!ImageTokenBudget.IsValid(tokens))
                throw new InvalidDataException($"image_max_tokens {tokens.ToString(CultureInfo.InvariantCulture)} (expected -1 or a positive count)");
            return new ServingProfile(tokens, format);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>The GGUF metadata `convert` writes into the language model (llama.cpp's quantizer keeps them).</summary>
    public IEnumerable<(string Key, int Value)> MetadataEntries =>
        [(ImageMaxTokensKey, ImageMaxTokens), (PromptFormatKey, PromptFormat)];

    /// <summary>
    /// The profile recorded in a model's GGUF metadata, read through <paramref name="lookup"/> (a key's int32 value, or
    /// null when absent); null when the model records none (converted from a checkpoint not trained here).
    /// </summary>
    public static ServingProfile? FromMetadata(string modelPath, Func<string, int?> lookup)
    {
        if (lookup(ImageMaxTokensKey) is not { } tokens)
            return null;
        if (!ImageTokenBudget.IsValid(tokens))
            throw new InvalidDataException($"{modelPath}: {ImageMaxTokensKey} = {tokens.ToString(CultureInfo.InvariantCulture)} is not an image-token budget.");
        return new ServingProfile(tokens, lookup(PromptFormatKey) ?? CurrentPromptFormat);
    }
}
