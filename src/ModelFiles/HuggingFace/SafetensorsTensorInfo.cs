namespace DynamicCot.ModelFiles.HuggingFace;

/// <summary>One tensor as a safetensors header describes it.</summary>
/// <param name="Name">Tensor name, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</param>
/// <param name="DType">Element type as stored.</param>
/// <param name="Shape">Dimensions, outermost first (PyTorch order).</param>
/// <param name="FilePath">The .safetensors file that holds the data.</param>
/// <param name="DataOffset">Absolute offset of the first byte in <paramref name="FilePath"/>.</param>
/// <param name="ByteLength">Number of data bytes.</param>
public sealed record SafetensorsTensorInfo(
    string Name,
    SafetensorsDType DType,
    IReadOnlyList<long> Shape,
    string FilePath,
    long DataOffset,
    long ByteLength)
{
    /// <summary>Number of elements (1 for a scalar with an empty shape).</summary>
    public long ElementCount => ComputeElementCount(Shape);

    internal static long ComputeElementCount(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (var dimension in shape)
            count = checked(count * dimension);
        return count;
    }
}
