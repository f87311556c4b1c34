namespace DynamicCot.Gguf;

/// <summary>Fixed values of the GGUF format and of the llama.cpp build this project pins.</summary>
public static class GgufConstants
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;

    /// <summary>The version this code writes. Version 2 has the same layout and is also read.</summary>
    public const uint Version = 3;

    public const string AlignmentKey = "general.alignment";

    public const uint DefaultAlignment = 32;

    /// <summary>GGML_MAX_DIMS.</summary>
    public const int MaxDimensions = 4;

    /// <summary>The native build has GGML_MAX_NAME = 64, a buffer that includes the terminating NUL.</summary>
    public const int MaxTensorNameBytes = 63;

    /// <summary>llama.cpp refuses longer strings (GGUF_MAX_STRING_LENGTH); so do we, to bound allocations.</summary>
    public const ulong MaxStringBytes = 1UL << 30;

    /// <summary>llama.cpp refuses longer arrays (GGUF_MAX_ARRAY_ELEMENTS).</summary>
    public const ulong MaxArrayElements = 1UL << 30;

    /// <summary>
    /// Arrays of arrays are legal GGUF but llama.cpp itself rejects them; the depth is bounded so a hostile file cannot
    /// recurse deeply.
    /// </summary>
    public const int MaxArrayNesting = 8;
}
