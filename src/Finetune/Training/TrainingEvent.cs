using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamicCot.Finetune.Training;

/// <summary>
/// One progress event of the training worker, as one line of JSON on its stdout: <c>{"event":"step",...}</c>.
/// Kinds: <c>step</c>, <c>epoch</c>, <c>checkpoint</c> (a checkpoint was saved; <c>path</c>), <c>done</c> (finished;
/// <c>adapter</c>), <c>stopped</c> (stopped on request after saving <c>checkpoint</c>), <c>error</c> (<c>message</c>;
/// the worker exits non-zero after it), <c>log</c> (a line for the user). Unknown kinds and fields pass through.
/// </summary>
public sealed class TrainingEvent
{
    public const string StepKind = "step";
    public const string EpochKind = "epoch";
    public const string CheckpointKind = "checkpoint";
    public const string DoneKind = "done";
    public const string StoppedKind = "stopped";
    public const string ErrorKind = "error";
    public const string LogKind = "log";

    public TrainingEvent(string kind, JsonObject? fields = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        Kind = kind;
        Fields = fields ?? [];
        Fields.Remove("event");
    }

    public string Kind { get; }

    /// <summary>All fields except <c>event</c>.</summary>
    public JsonObject Fields { get; }

    public long? Step => Long("step");
    public int? Epoch => (int?)Long("epoch");
    public double? Loss => Double("loss");
    public double? LearningRate => Double("lr");
    public double? TokensPerSecond => Double("tokens_per_second");
    public string? Message => String("message");
    /// <summary>The checkpoint folder of a <c>checkpoint</c>, <c>stopped</c> or <c>done</c> event.</summary>
    public string? CheckpointPath => String("checkpoint") ?? (Kind == CheckpointKind ? String("path") : null);
    public string? AdapterPath => String("adapter");

    public static TrainingEvent ForStep(StepMetrics metrics)
    {
        var fields = new JsonObject { ["step"] = metrics.Step, ["epoch"] = metrics.Epoch, ["loss"] = Finite(metrics.Loss), ["lr"] = Finite(metrics.LearningRate) };
        if (metrics.TokensPerSecond is { } tps) fields["tokens_per_second"] = Finite(tps);
        if (metrics.StepSeconds is { } seconds) fields["step_seconds"] = Finite(seconds);
        foreach (var (key, value) in metrics.Extra ?? new Dictionary<string, double>())
            fields[key] = Finite(value);
        return new TrainingEvent(StepKind, fields);
    }

    public static TrainingEvent ForEpoch(EpochMetrics metrics) => new(EpochKind, new JsonObject
    {
        ["epoch"] = metrics.Epoch, ["step"] = metrics.Step, ["cot"] = metrics.Cot, ["sft"] = metrics.Sft, ["fallback_sft"] = metrics.FallbackSft,
        ["mean_loss"] = metrics.MeanLoss is { } mean ? Finite(mean) : null,
    });

    public static TrainingEvent ForCheckpoint(long step, string checkpointDirectory) =>
        new(CheckpointKind, new JsonObject { ["step"] = step, ["path"] = checkpointDirectory });

    public static TrainingEvent ForDone(long step, string adapterPath, string? checkpointDirectory = null) =>
        new(DoneKind, new JsonObject { ["step"] = step, ["adapter"] = adapterPath, ["checkpoint"] = checkpointDirectory });

    public static TrainingEvent ForStopped(long step, string checkpointDirectory) =>
        new(StoppedKind, new JsonObject { ["step"] = step, ["checkpoint"] = checkpointDirectory });

    public static TrainingEvent ForError(string message) => new(ErrorKind, new JsonObject { ["message"] = message });

    public static TrainingEvent ForLog(string message) => new(LogKind, new JsonObject { ["message"] = message });

    /// <summary>One line of JSON, <c>event</c> first, no newline.</summary>
    public string ToJsonLine()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("event", Kind);
            foreach (var (key, value) in Fields)
            {
                writer.WritePropertyName(key);
                if (value is null)
                    writer.WriteNullValue();
                else
                    value.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Parses one line; null when it is not a JSON object with a string <c>event</c> (e.g. a stray print).</summary>
    public static TrainingEvent? TryParse(string line)
    {
        if (string.IsNullOrWhiteSpace(line) || line.TrimStart()[0] != '{')
            return null;
        try
        {
            if (JsonNode.Parse(line) is JsonObject node && node["event"] is JsonValue kind && kind.TryGetValue<string>(out var name) && name.Length > 0)
                return new TrainingEvent(name, node);
        }
        catch (JsonException)
        {
        }
        return null;
    }

    public override string ToString() => ToJsonLine();

    private long? Long(string name) => Fields[name] is JsonValue v && v.TryGetValue<long>(out var x) ? x
        : Fields[name] is JsonValue d && d.TryGetValue<double>(out var y) ? (long)y : null;

    private double? Double(string name) => Fields[name] is JsonValue v && v.TryGetValue<double>(out var x) ? x : null;

    private string? String(string name) => Fields[name] is JsonValue v && v.TryGetValue<string>(out var x) ? x : null;

    private static JsonNode? Finite(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    internal static string Describe(TrainingEvent? e) => e is null ? "before its first event"
        : e.Step is { } step ? $"after step {step.ToString(CultureInfo.InvariantCulture)}" : $"after a '{e.Kind}' event";
}
