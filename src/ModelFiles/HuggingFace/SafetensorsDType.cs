namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>Element types a safetensors header can name. Only F32, F16 and BF16 can be read as floats or written.</summary>
public enum SafetensorsDType
{
    F32,
    F16,
    BF16,
    F64,
    I64,
    I32,
    I16,
    I8,
    U8,
    U16,
    U32,
    U64,
    Bool,
    F8E4M3,
    F8E5M2,
}

public static class SafetensorsDTypes
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this SafetensorsDType type) => type switch
    {
        SafetensorsDType.F64 or SafetensorsDType.I64 or SafetensorsDType.U64 => 8,
        SafetensorsDType.F32 or SafetensorsDType.I32 or SafetensorsDType.U32 => 4,
        SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.I16 or SafetensorsDType.U16 => 2,
        _ => 1,
    };

    /// <summary>Whether <see cref="SafetensorsCheckpoint.ReadFloat32(string)"/> and the writer support the type.</summary>
    public static bool IsSupportedFloat(this SafetensorsDType type) =>
        type is SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16;

    /// <summary>The spelling used in headers ("F32", "BF16", "BOOL", "F8_E4M3", ...).</summary>
    public static string HeaderName(this SafetensorsDType type) => type switch
    {
        SafetensorsDType.Bool => "BOOL",
        SafetensorsDType.F8E4M3 => "F8_E4M3",
        SafetensorsDType.F8E5M2 => "F8_E5M2",
        _ => type.ToString(),
    };

    /// <summary>Parses a header spelling; false for names this reader does not know.</summary>
    public static bool TryParseHeaderName(string name, out SafetensorsDType type)
    {
        foreach (var candidate in Enum.GetValues<SafetensorsDType>())
        {
            if (candidate.HeaderName() == name)
            {
                type = candidate;
                return true;
            }
        }
        type = default;
        return false;
    }
}
