namespace DynamicCot.ModelFiles.Lora;

/// <summary>
/// A LoRA adapter file is malformed, or does not fit the base model it is used with. The message names the file and,
/// when the problem is about one tensor, the tensor. Derives from <see cref="FormatException"/> so the command-line
/// front ends report it as bad input (one line, exit 1), not as a crash.
/// </summary>
public class LoraAdapterException : FormatException, DynamicCot.Keyphrases.IUserFacingError
{
    public LoraAdapterException(string filePath, string? tensorName, string reason, Exception? inner = null)
        : base(Describe(filePath, tensorName, reason), inner)
    {
        FilePath = filePath;
        TensorName = tensorName;
        Reason = reason;
    }

    /// <summary>The adapter (or base model) file the problem was found in.</summary>
    public string FilePath { get; }

    /// <summary>The base tensor name (e.g. <c>blk.0.attn_q.weight</c>) the problem is about, or null.</summary>
    public string? TensorName { get; }

    public string Reason { get; }

    private static string Describe(string path, string? tensor, string reason) =>
        tensor is null ? $"{path}: {reason}" : $"{path}: tensor '{tensor}': {reason}";
}

/// <summary>The adapter was trained for another architecture than the base model's <c>general.architecture</c>.</summary>
public sealed class LoraArchitectureMismatchException(string adapterPath, string adapterArchitecture, string basePath, string baseArchitecture)
    : LoraAdapterException(adapterPath, null,
        $"the adapter is for architecture '{adapterArchitecture}' but the base model '{basePath}' is '{baseArchitecture}'")
{
    public string AdapterArchitecture { get; } = adapterArchitecture;
    public string BaseArchitecture { get; } = baseArchitecture;
}

/// <summary>The adapter targets a tensor the base model does not have (usually: the wrong base model).</summary>
public sealed class LoraTargetMissingException(string adapterPath, string tensorName, string basePath)
    : LoraAdapterException(adapterPath, tensorName, $"the base model '{basePath}' has no tensor of that name (wrong base model?)");

/// <summary>The adapter's A/B shapes do not fit the base weight: A's n_in ≠ W's ne0, or B's n_out ≠ W's ne1.</summary>
public sealed class LoraShapeMismatchException(string adapterPath, string tensorName, string reason)
    : LoraAdapterException(adapterPath, tensorName, reason);

/// <summary>Within one pair, A's rank (ne1) differs from B's rank (ne0), or a tensor of the pair is missing.</summary>
public sealed class LoraRankMismatchException(string adapterPath, string tensorName, string reason)
    : LoraAdapterException(adapterPath, tensorName, reason);

/// <summary>
/// The base weight is quantized: adding a low-rank update to it would need dequantize → add → requantize, which
/// compounds quantization error. Merge into the F32/F16 conversion and quantize the merged file instead.
/// </summary>
public sealed class LoraQuantizedBaseException(string basePath, string tensorName, string typeName)
    : LoraAdapterException(basePath, tensorName,
        $"the base weight is {typeName}; merge the adapter into the F32/F16/BF16 conversion of the model and quantize the merged GGUF afterwards " +
        "(dynamiccot-quantize lora merge BASE-F16.gguf ADAPTER.gguf --out MERGED.gguf, then dynamiccot-quantize quantize MERGED.gguf OUT.gguf --type q8_0)")
{
    public string TypeName { get; } = typeName;
}
