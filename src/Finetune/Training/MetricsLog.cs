using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamicCot.Finetune.Training;

/// <summary>One logged optimizer step.</summary>
/// <param name="Step">Optimizer steps done so far (1 after the first update).</param>
/// <param name="Extra">More numbers to log (e.g. <c>grad_norm</c>, <c>answer_tokens</c>); written as top-level fields.</param>
public sealed record StepMetrics(long Step, int Epoch, double Loss, double LearningRate, double? TokensPerSecond = null,
    double? StepSeconds = null, IReadOnlyDictionary<string, double>? Extra = null);

/// <summary>One finished epoch, with the Dynamic CoT branch counts (samples trained on the CoT target, on the plain
/// SFT target because their SFT loss was below γ, and on SFT because they had no rationale).</summary>
/// <param name="Step">Optimizer steps done when the epoch ended (used to drop records after a resume point).</param>
public sealed record EpochMetrics(int Epoch, long Step, int Cot, int Sft, int FallbackSft, double? MeanLoss = null,
    IReadOnlyDictionary<string, double>? Extra = null);

/// <summary>Everything a metrics file holds, in file order per kind.</summary>
public sealed record MetricsLogContents(IReadOnlyList<StepMetrics> Steps, IReadOnlyList<EpochMetrics> Epochs);

/// <summary>A line of <c>metrics.jsonl</c> is not a metrics record. Names the file and the 1-based line.</summary>
public sealed class MetricsLogFormatException(string path, int line, string reason, Exception? inner = null)
    : FormatException($"{path}:{line}: {reason}", inner), DynamicCot.Keyphrases.IUserFacingError
{
    public string FilePath { get; } = path;
    public int Line { get; } = line;
}

/// <summary>
/// <c>RUN_DIR/metrics.jsonl</c>: append-only, one JSON object per line, each line flushed to the OS as it is written
/// so a crashed run keeps everything it logged. Step lines:
/// <c>{"type":"step","step":12,"epoch":1,"loss":2.31,"lr":0.0002,"tokens_per_second":850.5,"step_seconds":0.61,"time":"…"}</c>;
/// epoch lines: <c>{"type":"epoch","epoch":1,"step":50,"cot":31,"sft":12,"fallback_sft":7,"mean_loss":2.9,"time":"…"}</c>.
/// Non-finite numbers are written as null. Resuming drops the lines after the checkpoint's step, so the file reads
/// as if the run had never stopped.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    public const string FileName = "metrics.jsonl";

    private readonly FileStream _stream;
    private readonly Lock _gate = new();

    private MetricsLog(string path, FileStream stream)
    {
        Path = path;
        _stream = stream;
    }

    public string Path { get; }

    /// <summary>
    /// Opens (creating) <c>metrics.jsonl</c> in <paramref name="runDirectory"/> for appending. With
    /// <paramref name="resumeAfterStep"/>, first drops every record whose step is above it, and a torn last line.
    /// </summary>
    public static MetricsLog Open(string runDirectory, long? resumeAfterStep = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDirectory);
        Directory.CreateDirectory(runDirectory);
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(runDirectory, FileName));
        if (resumeAfterStep is { } step && File.Exists(path))
            TruncateAfter(path, step);
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        // A torn last line (crash mid-write, no resume) must not glue onto the next record.
        if (stream.Length > 0 && !EndsWithNewline(path))
            stream.WriteByte((byte)'\n');
        return new MetricsLog(path, stream);
    }

    public void Append(StepMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        WriteLine(writer =>
        {
            writer.WriteString("type", "step");
            writer.WriteNumber("step", metrics.Step);
            writer.WriteNumber("epoch", metrics.Epoch);
            WriteNumber(writer, "loss", metrics.Loss);
            WriteNumber(writer, "lr", metrics.LearningRate);
            if (metrics.TokensPerSecond is { } tps) WriteNumber(writer, "tokens_per_second", tps);
            if (metrics.StepSeconds is { } seconds) WriteNumber(writer, "step_seconds", seconds);
            WriteExtra(writer, metrics.Extra);
        });
    }

    public void Append(EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        WriteLine(writer =>
        {
            writer.WriteString("type", "epoch");
            writer.WriteNumber("epoch", metrics.Epoch);
            writer.WriteNumber("step", metrics.Step);
            writer.WriteNumber("cot", metrics.Cot);
            writer.WriteNumber("sft", metrics.Sft);
            writer.WriteNumber("fallback_sft", metrics.FallbackSft);
            if (metrics.MeanLoss is { } mean) WriteNumber(writer, "mean_loss", mean);
            WriteExtra(writer, metrics.Extra);
        });
    }

    /// <summary>Reads a metrics file. A torn last line is ignored; any other bad line raises <see cref="MetricsLogFormatException"/>.</summary>
    public static MetricsLogContents Read(string path)
    {
        var steps = new List<StepMetrics>();
        var epochs = new List<EpochMetrics>();
        foreach (var (node, _) in ReadRecords(path))
        {
            var type = (string?)node["type"];
            if (type == "step")
                steps.Add(new StepMetrics((long)node["step"]!, (int)node["epoch"]!, Number(node, "loss") ?? double.NaN, Number(node, "lr") ?? double.NaN,
                    Number(node, "tokens_per_second"), Number(node, "step_seconds"), ExtraOf(node, StepFields)));
            else if (type == "epoch")
                epochs.Add(new EpochMetrics((int)node["epoch"]!, (long)node["step"]!, (int)node["cot"]!, (int)node["sft"]!, (int)node["fallback_sft"]!,
                    Number(node, "mean_loss"), ExtraOf(node, EpochFields)));
        }
        return new MetricsLogContents(steps, epochs);
    }

    public void Dispose()
    {
        lock (_gate)
            _stream.Dispose();
    }

    private static readonly HashSet<string> StepFields = ["type", "step", "epoch", "loss", "lr", "tokens_per_second", "step_seconds", "time"];
    private static readonly HashSet<string> EpochFields = ["type", "epoch", "step", "cot", "sft", "fallback_sft", "mean_loss", "time"];

    private void WriteLine(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteString("time", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        lock (_gate)
        {
            // One write per record, then flush: a crash loses at most the line being written.
            _stream.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            _stream.Flush();
        }
    }

    private static void WriteNumber(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value))
            writer.WriteNumber(name, value);
        else
            writer.WriteNull(name);
    }

    private static void WriteExtra(Utf8JsonWriter writer, IReadOnlyDictionary<string, double>? extra)
    {
        if (extra is null)
            return;
        foreach (var (key, value) in extra)
            WriteNumber(writer, key, value);
    }

    private static double? Number(JsonObject node, string name) =>
        node[name] is JsonValue value && value.TryGetValue<double>(out var number) ? number : node.ContainsKey(name) ? double.NaN : null;

    private static IReadOnlyDictionary<string, double>? ExtraOf(JsonObject node, HashSet<string> known)
    {
        var extra = node.Where(p => !known.Contains(p.Key) && (p.Value is null || p.Value.GetValueKind() == JsonValueKind.Number))
            .ToDictionary(p => p.Key, p => p.Value is null ? double.NaN : p.Value.GetValue<double>());
        return extra.Count == 0 ? null : extra;
    }

    /// <summary>Parsed records with their raw lines; a torn (unterminated, unparsable) last line is skipped.</summary>
    private static IEnumerable<(JsonObject Node, string Line)> ReadRecords(string path)
    {
        var text = File.ReadAllText(path, Encoding.UTF8);
        var lines = text.Split('\n');
        var terminated = text.EndsWith('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0)
                continue;
            var isLast = i == lines.Length - 1;
            JsonObject? node;
            try
            {
                node = JsonNode.Parse(line) as JsonObject;
            }
            catch (JsonException e)
            {
                if (isLast && !terminated)
                    yield break;
                throw new MetricsLogFormatException(path, i + 1, $"not a JSON object: {e.Message}", e);
            }
            if (node is null || node["type"] is null || node["step"] is null)
                throw new MetricsLogFormatException(path, i + 1, "a metrics record needs \"type\" and \"step\"");
            yield return (node, line);
        }
    }

    private static void TruncateAfter(string path, long step)
    {
        var kept = new StringBuilder();
        foreach (var (node, line) in ReadRecords(path))
            if ((long)node["step"]! <= step)
                kept.Append(line).Append('\n');
        var temporary = path + ".partial";
        File.WriteAllText(temporary, kept.ToString(), new UTF8Encoding(false));
        File.Move(temporary, path, overwrite: true);
    }

    private static bool EndsWithNewline(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (stream.Length == 0)
            return true;
        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte() == '\n';
    }
}
