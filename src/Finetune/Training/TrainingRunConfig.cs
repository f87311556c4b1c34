using System.Text.Json;
using System.Text.Json.Serialization;

namespace DynamicCot.Finetune.Training;

/// <summary>The run options as <c>RUN_DIR/config.json</c>: written by <c>train</c>, read by the worker and by resumes.</summary>
public static class TrainingRunConfig
{
    public const string FileName = "config.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static string Serialize(TrainingRunOptions options) => JsonSerializer.Serialize(options, Json);

    public static string Write(TrainingRunOptions options)
    {
        Directory.CreateDirectory(options.OutputDirectory);
        var path = Path.Combine(options.OutputDirectory, FileName);
        File.WriteAllText(path + ".partial", Serialize(options));
        File.Move(path + ".partial", path, overwrite: true);
        return path;
    }

    public static TrainingRunOptions Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"The run configuration '{path}' does not exist.", path);
        try
        {
            return JsonSerializer.Deserialize<TrainingRunOptions>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty run configuration.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid run configuration ({e.Message}).", e);
        }
    }
}
