namespace DynamicCot.ModelFiles.Quantization;

/// <summary>Storage rules for mmproj tensors that hold whatever type the rest of the file is converted to.</summary>
public static class ProjectorTensorRules
{
    /// <summary>
    /// The learned position table: mtmd resizes it to each image's patch grid with <c>ggml_interpolate</c>, which
    /// accepts only F32 (ggml.c asserts, and the process aborts), so it stays F32 in F16 projectors, as llama.cpp's own
    /// converter keeps position embeddings (conversion/base.py, <c>MmprojModel.tensor_force_quant</c>).
    /// </summary>
    public const string PositionTable = "v.position_embd.weight";

    /// <summary>Whether <paramref name="tensorName"/> must be stored as F32 in any projector.</summary>
    public static bool KeepsF32(string tensorName) => tensorName == PositionTable;
}
