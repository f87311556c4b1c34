using System.Runtime.InteropServices;
using DynamicCot.Gguf;
using DynamicCot.Llama.Native;

namespace DynamicCot.ModelFiles.Lora;

/// <summary>
/// Reads and writes LoRA adapters as the GGUF that llama.cpp's <c>llama_adapter_lora_init</c> loads: metadata
/// <c>general.type = "adapter"</c>, <c>general.architecture</c>, <c>adapter.type = "lora"</c>,
/// <c>adapter.lora.alpha</c> (f32); per target <c>&lt;base&gt;.lora_a</c> (ggml ne <c>[n_in, r]</c>) and
/// <c>&lt;base&gt;.lora_b</c> (ne <c>[r, n_out]</c>). Provenance goes into <c>dynamiccot.lora.*</c> string keys, which
/// llama.cpp lists and ignores. Every tensor must be a pair member: llama.cpp rejects any other tensor suffix.
/// </summary>
public static class LoraAdapterFile
{
    public const string SuffixA = ".lora_a";
    public const string SuffixB = ".lora_b";

    public const string GeneralTypeKey = "general.type";
    public const string ArchitectureKey = "general.architecture";
    public const string NameKey = "general.name";
    public const string AdapterTypeKey = "adapter.type";
    public const string AlphaKey = "adapter.lora.alpha";
    public const string BaseModelNameKey = "dynamiccot.lora.base_model.name";
    public const string BaseModelSha256Key = "dynamiccot.lora.base_model.sha256";
    public const string TrainingRunKey = "dynamiccot.lora.training_run";

    /// <summary>Writes <paramref name="adapter"/> atomically (temporary file, then rename).</summary>
    /// <param name="tensorType">F32 (exact) or F16 (half the size; what most published adapters use).</param>
    public static void Write(string path, LoraAdapter adapter, GgmlType tensorType = GgmlType.F32)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(adapter);
        if (tensorType is not (GgmlType.F32 or GgmlType.F16))
            throw new ArgumentException($"LoRA tensors are written as f32 or f16, not {GgmlTypeTraits.NameOf(tensorType)}", nameof(tensorType));
        if (adapter.Count == 0)
            throw new ArgumentException("the adapter has no LoRA pairs; llama.cpp would load it as a no-op", nameof(adapter));
        ToWriter(adapter, tensorType).WriteTo(path);
    }

    /// <summary>The GGUF writer for <paramref name="adapter"/>, for callers that write it into a larger layout.</summary>
    public static GgufWriter ToWriter(LoraAdapter adapter, GgmlType tensorType = GgmlType.F32)
    {
        var writer = new GgufWriter();
        writer.AddString(GeneralTypeKey, "adapter");
        writer.AddString(ArchitectureKey, adapter.Architecture);
        if (adapter.Info.Name is { } name)
            writer.AddString(NameKey, name);
        writer.AddString(AdapterTypeKey, "lora");
        writer.AddFloat32(AlphaKey, adapter.Alpha);
        if (adapter.Info.BaseModelName is { } baseName)
            writer.AddString(BaseModelNameKey, baseName);
        if (adapter.Info.BaseModelSha256 is { } hash)
            writer.AddString(BaseModelSha256Key, hash);
        if (adapter.Info.TrainingRun is { } run)
            writer.AddString(TrainingRunKey, run);
        foreach (var pair in adapter.Pairs)
        {
            writer.AddTensor(pair.TensorNameA, tensorType, [(ulong)pair.InFeatures, (ulong)pair.Rank], Encode(pair.A, tensorType));
            writer.AddTensor(pair.TensorNameB, tensorType, [(ulong)pair.Rank, (ulong)pair.OutFeatures], Encode(pair.B, tensorType));
        }
        return writer;
    }

    /// <summary>Reads and validates an adapter file; tensors are converted to f32.</summary>
    /// <exception cref="LoraAdapterException">Not a LoRA adapter, or a pair is incomplete or inconsistent.</exception>
    /// <exception cref="GgufFormatException">Not a valid GGUF file.</exception>
    public static LoraAdapter Read(string path)
    {
        using var file = GgufFile.Open(path);
        var layout = ReadLayout(file);
        var adapter = new LoraAdapter(layout.Architecture, layout.Alpha, layout.Info);
        foreach (var entry in layout.Pairs)
        {
            var a = file.ReadFloat32(entry.TensorA.Name);
            var b = file.ReadFloat32(entry.TensorB.Name);
            adapter.Add(new LoraTensorPair(entry.BaseName, entry.Rank, entry.InFeatures, entry.OutFeatures, a, b));
        }
        return adapter;
    }

    /// <summary>Validates the metadata and pair shapes of an open adapter file without reading tensor data.</summary>
    public static LoraAdapterLayout ReadLayout(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var path = file.Path;
        var generalType = OptionalString(file, GeneralTypeKey);
        if (generalType != "adapter")
            throw new LoraAdapterException(path, null, $"not a LoRA adapter: {GeneralTypeKey} is {Quote(generalType)}, expected \"adapter\"");
        var adapterType = OptionalString(file, AdapterTypeKey);
        if (adapterType != "lora")
            throw new LoraAdapterException(path, null, $"not a LoRA adapter: {AdapterTypeKey} is {Quote(adapterType)}, expected \"lora\"");
        var architecture = OptionalString(file, ArchitectureKey);
        if (string.IsNullOrWhiteSpace(architecture))
            throw new LoraAdapterException(path, null, $"{ArchitectureKey} is missing; llama.cpp needs it to match the base model");
        // llama.cpp reads a missing alpha as 0, which means "no alpha/r factor"; do the same.
        var alpha = file.TryGetFloat32(AlphaKey, out var a) ? a : 0f;
        if (!float.IsFinite(alpha) || alpha < 0)
            throw new LoraAdapterException(path, null, $"{AlphaKey} is {alpha}; it must be finite and not negative");
        var info = new LoraAdapterInfo
        {
            Name = OptionalString(file, NameKey),
            BaseModelName = OptionalString(file, BaseModelNameKey),
            BaseModelSha256 = OptionalString(file, BaseModelSha256Key),
            TrainingRun = OptionalString(file, TrainingRunKey),
        };

        var halves = new Dictionary<string, (GgufTensorInfo? A, GgufTensorInfo? B)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var tensor in file.Tensors)
        {
            bool isA;
            if (tensor.Name.EndsWith(SuffixA, StringComparison.Ordinal))
                isA = true;
            else if (tensor.Name.EndsWith(SuffixB, StringComparison.Ordinal))
                isA = false;
            else if (tensor.Name.EndsWith("_norm.weight", StringComparison.Ordinal))
                continue; // llama.cpp skips norm vectors in adapters; so does the merge, to stay identical to serving.
            else
                throw new LoraAdapterException(path, tensor.Name, $"unexpected tensor suffix; LoRA tensors end in {SuffixA} or {SuffixB}");
            var baseName = tensor.Name[..^SuffixA.Length];
            if (LoraTensorPair.IsTokenEmbedding(baseName))
                throw new LoraAdapterException(path, baseName, "LoRA on token_embd is not supported (llama.cpp flips A and B for it)");
            if (tensor.Type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16))
                throw new LoraAdapterException(path, baseName, $"{tensor.Name} is {tensor.TypeName}; LoRA tensors must be f32, f16 or bf16");
            if (!halves.TryGetValue(baseName, out var pair))
                order.Add(baseName);
            if ((isA ? pair.A : pair.B) is not null)
                throw new LoraAdapterException(path, baseName, $"{tensor.Name} appears twice");
            halves[baseName] = isA ? (tensor, pair.B) : (pair.A, tensor);
        }
        if (order.Count == 0)
            throw new LoraAdapterException(path, null, "the adapter has no LoRA tensors");

        var pairs = new List<LoraPairLayout>(order.Count);
        foreach (var baseName in order)
        {
            var (tensorA, tensorB) = halves[baseName];
            if (tensorA is null || tensorB is null)
                throw new LoraRankMismatchException(path, baseName, $"{(tensorA is null ? SuffixA : SuffixB)} is missing; A and B come in pairs");
            var dimsA = tensorA.Dimensions;
            var dimsB = tensorB.Dimensions;
            if (!IsMatrix(dimsA) || !IsMatrix(dimsB))
                throw new LoraShapeMismatchException(path, baseName, $"A {tensorA.ShapeText} and B {tensorB.ShapeText} must both be 2-D");
            if (dimsA[1] != dimsB[0])
                throw new LoraRankMismatchException(path, baseName,
                    $"A has rank {dimsA[1]} (ne {tensorA.ShapeText}) but B has rank {dimsB[0]} (ne {tensorB.ShapeText}); A must be ne [n_in, r] and B ne [r, n_out]");
            if (dimsA[0] > int.MaxValue || dimsA[1] > int.MaxValue || dimsB[1] > int.MaxValue)
                throw new LoraShapeMismatchException(path, baseName, "dimension too large");
            pairs.Add(new LoraPairLayout(baseName, (int)dimsA[1], (int)dimsA[0], (int)dimsB[1], tensorA, tensorB));
        }
        return new LoraAdapterLayout(path, architecture, alpha, info, pairs);
    }

    private static bool IsMatrix(ulong[] dims) => dims.Length == 2 || (dims.Length > 2 && dims.Skip(2).All(d => d == 1));

    private static string? OptionalString(GgufFile file, string key) => file.TryGetString(key, out var value) ? value : null;

    private static string Quote(string? value) => value is null ? "missing" : $"\"{value}\"";

    private static byte[] Encode(float[] values, GgmlType type)
    {
        if (type == GgmlType.F32)
            return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        var halves = new Half[values.Length];
        Float16Conversion.SingleToHalf(values, halves);
        return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
    }
}

/// <summary>Where one pair's tensors are in an adapter file, and their sizes.</summary>
public sealed record LoraPairLayout(string BaseName, int Rank, int InFeatures, int OutFeatures, GgufTensorInfo TensorA, GgufTensorInfo TensorB);

/// <summary>An adapter file's validated metadata and pair table.</summary>
public sealed record LoraAdapterLayout(string Path, string Architecture, float Alpha, LoraAdapterInfo Info, IReadOnlyList<LoraPairLayout> Pairs)
{
    public float EffectiveScale(LoraPairLayout pair, float scale = 1f) => Alpha == 0 ? scale : scale * Alpha / pair.Rank;
}
