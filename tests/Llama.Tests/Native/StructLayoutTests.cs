using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DynamicCot.Llama.Native;

namespace DynamicCot.Llama.Tests.Native;

/// <summary>
/// Sizes and field offsets of every mirrored struct, against the headers of the ggml/mtmd
/// that LLamaSharp.Backend.Cpu 0.30.0 ships (the project's own bindings, where LLamaSharp 0.30 has none; everything else uses LLamaSharp's structs).
/// </summary>
public sealed class StructLayoutTests
{
    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);

    [Theory]
    [InlineData(typeof(RawLlamaBatch), 56)]
    [InlineData(typeof(MtmdDecoderPos), 16)]
    [InlineData(typeof(GgmlInitParams), 24)]
    [InlineData(typeof(GgufInitParams), 16)]
    [InlineData(typeof(LlamaToken), 4)]
    [InlineData(typeof(LlamaPos), 4)]
    [InlineData(typeof(LlamaSeqId), 4)]
    public void Struct_has_the_size_of_the_C_struct(Type type, int expected)
    {
        var size = (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;
        Assert.Equal(expected, size);
        Assert.Equal(expected, Marshal.SizeOf(type));
    }

    [Fact]
    public void MtmdDecoderPos_offsets()
    {
        Assert.Equal(4, Offset<MtmdDecoderPos>(nameof(MtmdDecoderPos.X)));
        Assert.Equal(8, Offset<MtmdDecoderPos>(nameof(MtmdDecoderPos.Y)));
        Assert.Equal(12, Offset<MtmdDecoderPos>(nameof(MtmdDecoderPos.Z)));
    }

    [Fact]
    public void Ggml_offsets()
    {
        Assert.Equal(8, Offset<GgmlInitParams>(nameof(GgmlInitParams.MemBuffer)));
        Assert.Equal(16, Offset<GgmlInitParams>(nameof(GgmlInitParams.NoAlloc)));
        Assert.Equal(8, Offset<GgufInitParams>(nameof(GgufInitParams.Context)));
    }

    [Fact]
    public void GgmlTensorHeader_offsets_match_ggml_h_up_to_name()
    {
        Assert.Equal(8, Offset<GgmlTensorHeader>(nameof(GgmlTensorHeader.Buffer)));
        Assert.Equal(16, Offset<GgmlTensorHeader>(nameof(GgmlTensorHeader.Ne)));
        Assert.Equal(48, Offset<GgmlTensorHeader>(nameof(GgmlTensorHeader.Nb)));
        Assert.Equal(80, Offset<GgmlTensorHeader>(nameof(GgmlTensorHeader.Op)));
        Assert.Equal(84, Offset<GgmlTensorHeader>(nameof(GgmlTensorHeader.OpParams)));
        Assert.Equal(148, Offset<GgmlTensorHeader>(nameof(GgmlTensorHeader.Flags)));
        Assert.Equal(152, Offset<GgmlTensorHeader>(nameof(GgmlTensorHeader.Src)));
        Assert.Equal(232, Offset<GgmlTensorHeader>(nameof(GgmlTensorHeader.ViewSrc)));
        Assert.Equal(240, Offset<GgmlTensorHeader>(nameof(GgmlTensorHeader.ViewOffs)));
        Assert.Equal(248, Offset<GgmlTensorHeader>(nameof(GgmlTensorHeader.Data)));
        Assert.Equal(256, Offset<GgmlTensorHeader>(nameof(GgmlTensorHeader.Name)));
    }
}
