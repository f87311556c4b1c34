using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using DynamicCot.Gguf;
using DynamicCot.Llama.Native;
using DynamicCot.ModelFiles.Lora;

namespace DynamicCot.Finetune.Training;

/// <summary>
/// Saves and loads <see cref="TrainingCheckpoint"/>s under <c>RUN_DIR/checkpoints/</c>, one folder per step:
/// <list type="bullet">
/// <item><c>adapter.gguf</c>: the LoRA weights in the adapter format llama.cpp loads (usable as-is).</item>
/// <item><c>state.gguf</c>: F32 tensors <c>adamw.m.&lt;name&gt;</c> / <c>adamw.v.&lt;name&gt;</c>, I32 <c>data.order</c>,
/// F64 <c>dynamic_cot.sft_loss</c>; the counters as metadata (<c>checkpoint.*</c>). Binary, so floats and NaNs are exact.</item>
/// <item><c>checkpoint.json</c>: format version, step, epoch, SHA-256 of both GGUFs, and the run options; written last.</item>
/// </list>
/// A save writes everything into <c>step-N.partial-PID</c>, flushes it to disk and renames the folder to <c>step-N</c>,
/// so a checkpoint folder either is complete or does not exist; then all but the newest <see cref="KeepLast"/> are
/// deleted. Loading checks the hashes, so a truncated or altered file is reported, naming it, instead of resuming wrongly.
/// </summary>
public sealed class TrainingCheckpointStore
{
    public const int FormatVersion = 1;
    public const string FolderName = "checkpoints";
    public const string AdapterFileName = "adapter.gguf";
    public const string StateFileName = "state.gguf";
    public const string ManifestFileName = "checkpoint.json";

    private const string MomentPrefixM = "adamw.m.";
    private const string MomentPrefixV = "adamw.v.";
    private const string WeightPrefix = "weight.";
    private const string DataOrderTensor = "data.order";
    private const string SftLossTensor = "dynamic_cot.sft_loss";

    public TrainingCheckpointStore(string runDirectory, int keepLast = 3)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);
        Directory = Path.GetFullPath(Path.Combine(runDirectory, FolderName));
        KeepLast = keepLast;
    }

    /// <summary><c>RUN_DIR/checkpoints</c>.</summary>
    public string Directory { get; }

    public int KeepLast { get; }

    /// <summary>The folder a checkpoint of <paramref name="step"/> is saved in.</summary>
    public string PathFor(long step) => Path.Combine(Directory, "step-" + step.ToString("D8", CultureInfo.InvariantCulture));

    /// <summary>Complete checkpoint folders, oldest first.</summary>
    public IReadOnlyList<string> List()
    {
        if (!System.IO.Directory.Exists(Directory))
            return [];
        return System.IO.Directory.GetDirectories(Directory, "step-*")
            .Select(path => (Path: path, Step: StepOf(path)))
            .Where(c => c.Step is not null)
            .OrderBy(c => c.Step)
            .Select(c => c.Path)
            .ToArray();
    }

    /// <summary>The newest complete checkpoint folder, or null when there is none.</summary>
    public string? FindLatest() => List().LastOrDefault();

    /// <summary>Writes <paramref name="checkpoint"/> atomically and prunes old ones. Returns its folder.</summary>
    public string Save(TrainingCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        Validate(checkpoint);
        System.IO.Directory.CreateDirectory(Directory);
        RemoveAbandonedPartials();
        var final = PathFor(checkpoint.Step);
        var partial = $"{final}.partial-{Environment.ProcessId}";
        System.IO.Directory.CreateDirectory(partial);
        try
        {
            var adapterPath = Path.Combine(partial, AdapterFileName);
            var statePath = Path.Combine(partial, StateFileName);
            if (checkpoint.Adapter is not null)
                LoraAdapterFile.Write(adapterPath, checkpoint.Adapter);
            StateWriter(checkpoint).WriteTo(statePath);
            var files = new JsonObject { [StateFileName] = Sha256Of(statePath) };
            if (checkpoint.Adapter is not null)
                files[AdapterFileName] = Sha256Of(adapterPath);
            var manifest = new JsonObject
            {
                ["format_version"] = FormatVersion,
                ["step"] = checkpoint.Step,
                ["epoch"] = checkpoint.Epoch,
                ["position_in_epoch"] = checkpoint.PositionInEpoch,
                ["created"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                ["files"] = files,
                ["run_options"] = JsonNode.Parse(checkpoint.RunOptionsJson),
            };
            var manifestPath = Path.Combine(partial, ManifestFileName);
            using (var stream = new FileStream(manifestPath, FileMode.CreateNew, FileAccess.Write))
            {
                using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
                    manifest.WriteTo(writer);
                stream.Flush(flushToDisk: true);
            }
            if (checkpoint.Adapter is not null)
                FlushToDisk(adapterPath);
            FlushToDisk(statePath);

            // Saving the same step again (a resumed run) replaces the old folder only once the new one is complete.
            string? replaced = null;
            if (System.IO.Directory.Exists(final))
            {
                replaced = $"{final}.replaced-{Environment.ProcessId}";
                System.IO.Directory.Move(final, replaced);
            }
            System.IO.Directory.Move(partial, final);
            if (replaced is not null)
                System.IO.Directory.Delete(replaced, recursive: true);
        }
        catch
        {
            TryDelete(partial);
            throw;
        }
        Prune();
        return final;
    }

    /// <summary>Loads the newest checkpoint, or returns null when the run has none.</summary>
    /// <exception cref="CheckpointFormatException">The newest checkpoint is damaged (the message names the file and the older ones).</exception>
    public TrainingCheckpoint? LoadLatest()
    {
        var all = List();
        if (all.Count == 0)
            return null;
        try
        {
            return Load(all[^1]);
        }
        catch (CheckpointFormatException e) when (all.Count > 1)
        {
            throw new CheckpointFormatException(e.FilePath,
                $"{e.Reason} (older checkpoints you can resume from instead: {string.Join(", ", all.SkipLast(1).Select(Path.GetFileName))})", e);
        }
    }

    /// <summary>Loads the checkpoint in <paramref name="checkpointDirectory"/>, checking every file against the manifest.</summary>
    /// <exception cref="CheckpointFormatException">A file is missing, altered, truncated or inconsistent.</exception>
    public static TrainingCheckpoint Load(string checkpointDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointDirectory);
        var folder = Path.GetFullPath(checkpointDirectory);
        var manifestPath = Path.Combine(folder, ManifestFileName);
        if (!File.Exists(manifestPath))
            throw new CheckpointFormatException(manifestPath, "the manifest is missing (not a checkpoint folder, or the save never finished)");
        JsonObject manifest;
        try
        {
            manifest = JsonNode.Parse(File.ReadAllText(manifestPath)) as JsonObject ?? throw new JsonException("not a JSON object");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(manifestPath, $"the manifest is not valid JSON: {e.Message}", e);
        }
        var version = (int?)manifest["format_version"];
        if (version != FormatVersion)
            throw new CheckpointFormatException(manifestPath, $"format version {version?.ToString(CultureInfo.InvariantCulture) ?? "missing"}; this build reads {FormatVersion}");

        var adapterPath = Path.Combine(folder, AdapterFileName);
        var statePath = Path.Combine(folder, StateFileName);
        var hasAdapter = manifest["files"]?[AdapterFileName] is not null;
        foreach (var path in hasAdapter ? new[] { adapterPath, statePath } : [statePath])
        {
            if (!File.Exists(path))
                throw new CheckpointFormatException(path, "the file is missing");
            var expected = (string?)manifest["files"]?[Path.GetFileName(path)];
            var actual = Sha256Of(path);
            if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
                throw new CheckpointFormatException(path, $"the file is corrupted: SHA-256 {actual} does not match the manifest's {expected ?? "(none)"}");
        }

        LoraAdapter? adapter = null;
        try
        {
            if (hasAdapter)
                adapter = LoraAdapterFile.Read(adapterPath);
        }
        catch (FormatException e)
        {
            throw new CheckpointFormatException(adapterPath, e.Message, e);
        }
        try
        {
            return ReadState(statePath, adapter, manifest["run_options"]?.ToJsonString() ?? "{}");
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException or InvalidCastException or ArgumentException)
        {
            throw new CheckpointFormatException(statePath, e.Message, e);
        }
    }

    private static GgufWriter StateWriter(TrainingCheckpoint checkpoint)
    {
        var writer = new GgufWriter();
        writer.AddString("general.type", "dynamiccot.training_state");
        writer.AddUInt32("checkpoint.format_version", FormatVersion);
        writer.Add("checkpoint.step", GgufValue.Int64(checkpoint.Step));
        writer.AddInt32("checkpoint.epoch", checkpoint.Epoch);
        writer.AddInt32("checkpoint.position_in_epoch", checkpoint.PositionInEpoch);
        writer.AddUInt64("checkpoint.data_order_seed", checkpoint.DataOrderSeed);
        writer.AddUInt64("checkpoint.rng_state", checkpoint.RngState);
        writer.Add("checkpoint.optimizer_steps", GgufValue.Int64(checkpoint.Optimizer.StepCount));
        writer.AddStrings("checkpoint.optimizer_tensors", checkpoint.Optimizer.Moments.Keys);
        foreach (var (name, moments) in checkpoint.Optimizer.Moments)
        {
            writer.AddTensor(MomentPrefixM + name, GgmlType.F32, [(ulong)moments.M.Length], Bytes(moments.M));
            writer.AddTensor(MomentPrefixV + name, GgmlType.F32, [(ulong)moments.V.Length], Bytes(moments.V));
        }
        writer.AddStrings("checkpoint.weight_tensors", checkpoint.Weights.Keys);
        foreach (var (name, values) in checkpoint.Weights)
            writer.AddTensor(WeightPrefix + name, GgmlType.F32, [(ulong)values.Length], Bytes(values));
        // ggml tensors cannot be empty; an empty order or loss list is recorded by its absence.
        if (checkpoint.DataOrder.Length > 0)
            writer.AddTensor(DataOrderTensor, GgmlType.I32, [(ulong)checkpoint.DataOrder.Length], Bytes(checkpoint.DataOrder));
        if (checkpoint.SampleSftLosses.Length > 0)
            writer.AddTensor(SftLossTensor, GgmlType.F64, [(ulong)checkpoint.SampleSftLosses.Length], Bytes(checkpoint.SampleSftLosses));
        return writer;
    }

    private static TrainingCheckpoint ReadState(string statePath, LoraAdapter? adapter, string runOptionsJson)
    {
        using var file = GgufFile.Open(statePath);
        var version = file.GetUInt32("checkpoint.format_version");
        if (version != FormatVersion)
            throw new FormatException($"state format version {version}; this build reads {FormatVersion}");
        foreach (var (name, type) in new[] { (DataOrderTensor, GgmlType.I32), (SftLossTensor, GgmlType.F64) })
            if (file.TryGetTensor(name, out var tensor) && tensor.Type != type)
                throw new FormatException($"tensor '{name}' is {tensor.TypeName}, expected {GgmlTypeTraits.NameOf(type)}");
        var moments = new Dictionary<string, AdamWMoments>(StringComparer.Ordinal);
        foreach (var name in file.GetArray<string>("checkpoint.optimizer_tensors"))
            moments[name] = new AdamWMoments(file.ReadFloat32(MomentPrefixM + name), file.ReadFloat32(MomentPrefixV + name));
        var weights = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (file.Metadata.TryGetValue("checkpoint.weight_tensors", out _))
            foreach (var name in file.GetArray<string>("checkpoint.weight_tensors"))
                weights[name] = file.ReadFloat32(WeightPrefix + name);
        if (adapter is null && weights.Count == 0)
            throw new FormatException("the checkpoint holds neither a LoRA adapter nor trained weights");
        return new TrainingCheckpoint
        {
            Weights = weights,
            Step = file.Metadata.GetInt64("checkpoint.step"),
            Epoch = file.GetInt32("checkpoint.epoch"),
            PositionInEpoch = file.GetInt32("checkpoint.position_in_epoch"),
            DataOrderSeed = file.GetUInt64("checkpoint.data_order_seed"),
            RngState = file.GetUInt64("checkpoint.rng_state"),
            Optimizer = new OptimizerState(file.Metadata.GetInt64("checkpoint.optimizer_steps"), moments),
            DataOrder = file.TryGetTensor(DataOrderTensor, out var order) ? MemoryMarshal.Cast<byte, int>(file.GetTensorData(order)).ToArray() : [],
            SampleSftLosses = file.TryGetTensor(SftLossTensor, out var losses) ? MemoryMarshal.Cast<byte, double>(file.GetTensorData(losses)).ToArray() : [],
            Adapter = adapter,
            RunOptionsJson = runOptionsJson,
        };
    }

    private static void Validate(TrainingCheckpoint checkpoint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(checkpoint.Step);
        ArgumentOutOfRangeException.ThrowIfNegative(checkpoint.PositionInEpoch);
        if (checkpoint.PositionInEpoch > checkpoint.DataOrder.Length)
            throw new ArgumentException($"position {checkpoint.PositionInEpoch} is past the end of the {checkpoint.DataOrder.Length}-sample order");
        try
        {
            if (JsonNode.Parse(checkpoint.RunOptionsJson) is not JsonObject)
                throw new ArgumentException("the run options must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"the run options are not valid JSON: {e.Message}", e);
        }
        foreach (var name in checkpoint.Optimizer.Moments.Keys)
            if (System.Text.Encoding.UTF8.GetByteCount(MomentPrefixV + name) > GgufConstants.MaxTensorNameBytes)
                throw new ArgumentException($"optimizer tensor name '{name}' is too long for a GGUF tensor name");
    }

    private void Prune()
    {
        var all = List();
        foreach (var old in all.Take(Math.Max(0, all.Count - KeepLast)))
            TryDelete(old);
    }

    // Leftovers of saves that crashed before their rename: never valid, safe to remove (one writer per run folder).
    private void RemoveAbandonedPartials()
    {
        foreach (var folder in System.IO.Directory.GetDirectories(Directory, "step-*"))
            if (StepOf(folder) is null)
                TryDelete(folder);
    }

    private static long? StepOf(string folder)
    {
        var name = Path.GetFileName(folder);
        return name.StartsWith("step-", StringComparison.Ordinal) && long.TryParse(name.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var step)
            ? step
            : null;
    }

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static void FlushToDisk(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    private static void TryDelete(string folder)
    {
        try { System.IO.Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static byte[] Bytes<T>(T[] values) where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
