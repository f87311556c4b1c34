using DynamicCot.Llama;
using DynamicCot.Gguf;
using DynamicCot.Llama.Native;

namespace DynamicCot.Gguf.Tests;

public class GgmlTypeTraitsTests
{
    [Fact]
    public void ManagedTableMatchesTheNativeTypeTable()
    {
        LlamaBackend.Initialize();
        foreach (var type in Enum.GetValues<GgmlType>())
        {
            var traits = GgmlTypeTraits.Get(type);
            Assert.Equal(NativeApi.ggml_blck_size(type), traits.BlockSize);
            Assert.Equal((ulong)NativeApi.ggml_type_size(type), (ulong)traits.TypeSize);
            Assert.Equal(NativeApi.PtrToString(NativeApi.ggml_type_name(type)), traits.Name);
        }
        Assert.Equal(Enum.GetValues<GgmlType>().Length, GgmlTypeTraits.All.Count);
    }

    [Fact]
    public void ByteSizeFollowsBlocksAndRejectsBadShapes()
    {
        Assert.Equal(2UL * 34, GgmlTypeTraits.Get(GgmlType.Q8_0).GetByteSize([64, 1]));
        Assert.Equal(144UL * 3, GgmlTypeTraits.Get(GgmlType.Q4_K).GetByteSize([256, 3]));
        Assert.Throws<ArgumentException>(() => GgmlTypeTraits.Get(GgmlType.Q8_0).GetByteSize([33]));
        Assert.Null(GgmlTypeTraits.Get(GgmlType.F32).TryGetByteSize([1UL << 62, 4], out var reason));
        Assert.Contains("overflows", reason);
        Assert.True(GgmlTypeTraits.TryParse("Q4_k", out var parsed) && parsed == GgmlType.Q4_K);
    }
}
