using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DynamicCot.LlamaCpp.Native;

namespace DynamicCot.LlamaCpp.Tests.Native;

/// <summary>
/// Sizes and field offsets of every mirrored struct, against the values measured on the pinned binary
/// (llama-cpp-abi.md §2, offsetof in a harness compiled against the shipped headers).
/// </summary>
public sealed class StructLayoutTests
{
    private static int Offset<T>(string field) => (int)Marshal.OffsetOf<T>(field);

    [Theory]
    [InlineData(typeof(LlamaModelParams), 72)]
    [InlineData(typeof(LlamaContextParams), 160)]
    [InlineData(typeof(LlamaBatch), 56)]
    [InlineData(typeof(LlamaTokenData), 12)]
    [InlineData(typeof(LlamaTokenDataArray), 32)]
    [InlineData(typeof(LlamaSamplerChainParams), 1)]
    [InlineData(typeof(LlamaChatMessage), 16)]
    [InlineData(typeof(LlamaPerfContextData), 48)]
    [InlineData(typeof(LlamaOptParams), 48)]
    [InlineData(typeof(LlamaLogitBias), 8)]
    [InlineData(typeof(MtmdContextParams), 80)]
    [InlineData(typeof(MtmdInputText), 24)]
    [InlineData(typeof(MtmdDecoderPos), 16)]
    [InlineData(typeof(MtmdHelperBitmapWrapper), 16)]
    [InlineData(typeof(MtmdCaps), 2)]
    [InlineData(typeof(GgmlInitParams), 24)]
    [InlineData(typeof(GgmlOptOptimizerParams), 28)]
    [InlineData(typeof(GgmlOptParams), 72)]
    [InlineData(typeof(GgmlBackendDevCaps), 4)]
    [InlineData(typeof(GgmlBackendDevProps), 56)]
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
    public void LlamaModelParams_offsets()
    {
        Assert.Equal(0, Offset<LlamaModelParams>(nameof(LlamaModelParams.Devices)));
        Assert.Equal(8, Offset<LlamaModelParams>(nameof(LlamaModelParams.TensorBuftOverrides)));
        Assert.Equal(16, Offset<LlamaModelParams>(nameof(LlamaModelParams.NGpuLayers)));
        Assert.Equal(20, Offset<LlamaModelParams>(nameof(LlamaModelParams.SplitMode)));
        Assert.Equal(24, Offset<LlamaModelParams>(nameof(LlamaModelParams.LoadMode)));
        Assert.Equal(28, Offset<LlamaModelParams>(nameof(LlamaModelParams.MainGpu)));
        Assert.Equal(32, Offset<LlamaModelParams>(nameof(LlamaModelParams.TensorSplit)));
        Assert.Equal(40, Offset<LlamaModelParams>(nameof(LlamaModelParams.ProgressCallback)));
        Assert.Equal(48, Offset<LlamaModelParams>(nameof(LlamaModelParams.ProgressCallbackUserData)));
        Assert.Equal(56, Offset<LlamaModelParams>(nameof(LlamaModelParams.KvOverrides)));
        Assert.Equal(64, Offset<LlamaModelParams>(nameof(LlamaModelParams.VocabOnly)));
        Assert.Equal(65, Offset<LlamaModelParams>(nameof(LlamaModelParams.CheckTensors)));
        Assert.Equal(66, Offset<LlamaModelParams>(nameof(LlamaModelParams.UseExtraBufts)));
        Assert.Equal(67, Offset<LlamaModelParams>(nameof(LlamaModelParams.NoHost)));
        Assert.Equal(68, Offset<LlamaModelParams>(nameof(LlamaModelParams.NoAlloc)));
        Assert.Equal(69, Offset<LlamaModelParams>(nameof(LlamaModelParams.LoadMtp)));
    }

    [Fact]
    public void LlamaContextParams_offsets()
    {
        (string Field, int Offset)[] expected =
        [
            (nameof(LlamaContextParams.NCtx), 0), (nameof(LlamaContextParams.NBatch), 4), (nameof(LlamaContextParams.NUbatch), 8),
            (nameof(LlamaContextParams.NSeqMax), 12), (nameof(LlamaContextParams.NRsSeq), 16), (nameof(LlamaContextParams.NOutputsMax), 20),
            (nameof(LlamaContextParams.NThreads), 24), (nameof(LlamaContextParams.NThreadsBatch), 28), (nameof(LlamaContextParams.ContextType), 32),
            (nameof(LlamaContextParams.RopeScalingType), 36), (nameof(LlamaContextParams.PoolingType), 40), (nameof(LlamaContextParams.AttentionType), 44),
            (nameof(LlamaContextParams.FlashAttnType), 48), (nameof(LlamaContextParams.RopeFreqBase), 52), (nameof(LlamaContextParams.RopeFreqScale), 56),
            (nameof(LlamaContextParams.YarnExtFactor), 60), (nameof(LlamaContextParams.YarnAttnFactor), 64), (nameof(LlamaContextParams.YarnBetaFast), 68),
            (nameof(LlamaContextParams.YarnBetaSlow), 72), (nameof(LlamaContextParams.YarnOrigCtx), 76), (nameof(LlamaContextParams.DefragThreshold), 80),
            (nameof(LlamaContextParams.CbEval), 88), (nameof(LlamaContextParams.CbEvalUserData), 96), (nameof(LlamaContextParams.TypeK), 104),
            (nameof(LlamaContextParams.TypeV), 108), (nameof(LlamaContextParams.AbortCallback), 112), (nameof(LlamaContextParams.AbortCallbackData), 120),
            (nameof(LlamaContextParams.Embeddings), 128), (nameof(LlamaContextParams.OffloadKqv), 129), (nameof(LlamaContextParams.NoPerf), 130),
            (nameof(LlamaContextParams.OpOffload), 131), (nameof(LlamaContextParams.SwaFull), 132), (nameof(LlamaContextParams.KvUnified), 133),
            (nameof(LlamaContextParams.Samplers), 136), (nameof(LlamaContextParams.NSamplers), 144), (nameof(LlamaContextParams.ContextOther), 152),
        ];
        foreach (var (field, offset) in expected)
            Assert.True(offset == Offset<LlamaContextParams>(field), $"{field}: expected {offset}, got {Offset<LlamaContextParams>(field)}");
    }

    [Fact]
    public void LlamaBatch_and_token_data_offsets()
    {
        Assert.Equal(0, Offset<LlamaBatch>(nameof(LlamaBatch.NTokens)));
        Assert.Equal(8, Offset<LlamaBatch>(nameof(LlamaBatch.Token)));
        Assert.Equal(16, Offset<LlamaBatch>(nameof(LlamaBatch.Embd)));
        Assert.Equal(24, Offset<LlamaBatch>(nameof(LlamaBatch.Pos)));
        Assert.Equal(32, Offset<LlamaBatch>(nameof(LlamaBatch.NSeqId)));
        Assert.Equal(40, Offset<LlamaBatch>(nameof(LlamaBatch.SeqId)));
        Assert.Equal(48, Offset<LlamaBatch>(nameof(LlamaBatch.Logits)));
        Assert.Equal(4, Offset<LlamaTokenData>(nameof(LlamaTokenData.Logit)));
        Assert.Equal(8, Offset<LlamaTokenData>(nameof(LlamaTokenData.P)));
        Assert.Equal(8, Offset<LlamaTokenDataArray>(nameof(LlamaTokenDataArray.Size)));
        Assert.Equal(16, Offset<LlamaTokenDataArray>(nameof(LlamaTokenDataArray.Selected)));
        Assert.Equal(24, Offset<LlamaTokenDataArray>(nameof(LlamaTokenDataArray.Sorted)));
        Assert.Equal(8, Offset<LlamaChatMessage>(nameof(LlamaChatMessage.Content)));
        Assert.Equal(32, Offset<LlamaPerfContextData>(nameof(LlamaPerfContextData.NPromptEval)));
        Assert.Equal(40, Offset<LlamaPerfContextData>(nameof(LlamaPerfContextData.NReused)));
        Assert.Equal(8, Offset<LlamaOptParams>(nameof(LlamaOptParams.ParamFilter)));
        Assert.Equal(24, Offset<LlamaOptParams>(nameof(LlamaOptParams.GetOptParams)));
        Assert.Equal(40, Offset<LlamaOptParams>(nameof(LlamaOptParams.OptimizerType)));
    }

    [Fact]
    public void Mtmd_offsets()
    {
        Assert.Equal(0, Offset<MtmdContextParams>(nameof(MtmdContextParams.UseGpu)));
        Assert.Equal(1, Offset<MtmdContextParams>(nameof(MtmdContextParams.PrintTimings)));
        Assert.Equal(4, Offset<MtmdContextParams>(nameof(MtmdContextParams.NThreads)));
        Assert.Equal(8, Offset<MtmdContextParams>(nameof(MtmdContextParams.ImageMarker)));
        Assert.Equal(16, Offset<MtmdContextParams>(nameof(MtmdContextParams.MediaMarker)));
        Assert.Equal(24, Offset<MtmdContextParams>(nameof(MtmdContextParams.FlashAttnType)));
        Assert.Equal(28, Offset<MtmdContextParams>(nameof(MtmdContextParams.Warmup)));
        Assert.Equal(32, Offset<MtmdContextParams>(nameof(MtmdContextParams.ImageMinTokens)));
        Assert.Equal(36, Offset<MtmdContextParams>(nameof(MtmdContextParams.ImageMaxTokens)));
        Assert.Equal(40, Offset<MtmdContextParams>(nameof(MtmdContextParams.CbEval)));
        Assert.Equal(48, Offset<MtmdContextParams>(nameof(MtmdContextParams.CbEvalUserData)));
        Assert.Equal(56, Offset<MtmdContextParams>(nameof(MtmdContextParams.BatchMaxTokens)));
        Assert.Equal(64, Offset<MtmdContextParams>(nameof(MtmdContextParams.ProgressCallback)));
        Assert.Equal(72, Offset<MtmdContextParams>(nameof(MtmdContextParams.ProgressCallbackUserData)));
        Assert.Equal(8, Offset<MtmdInputText>(nameof(MtmdInputText.TextLength)));
        Assert.Equal(16, Offset<MtmdInputText>(nameof(MtmdInputText.AddSpecial)));
        Assert.Equal(17, Offset<MtmdInputText>(nameof(MtmdInputText.ParseSpecial)));
        Assert.Equal(4, Offset<MtmdDecoderPos>(nameof(MtmdDecoderPos.X)));
        Assert.Equal(8, Offset<MtmdDecoderPos>(nameof(MtmdDecoderPos.Y)));
        Assert.Equal(12, Offset<MtmdDecoderPos>(nameof(MtmdDecoderPos.Z)));
        Assert.Equal(8, Offset<MtmdHelperBitmapWrapper>(nameof(MtmdHelperBitmapWrapper.VideoContext)));
    }

    [Fact]
    public void Ggml_offsets()
    {
        Assert.Equal(8, Offset<GgmlInitParams>(nameof(GgmlInitParams.MemBuffer)));
        Assert.Equal(16, Offset<GgmlInitParams>(nameof(GgmlInitParams.NoAlloc)));
        Assert.Equal(0, Offset<GgmlOptParams>(nameof(GgmlOptParams.BackendSched)));
        Assert.Equal(8, Offset<GgmlOptParams>(nameof(GgmlOptParams.ContextCompute)));
        Assert.Equal(16, Offset<GgmlOptParams>(nameof(GgmlOptParams.Inputs)));
        Assert.Equal(24, Offset<GgmlOptParams>(nameof(GgmlOptParams.Outputs)));
        Assert.Equal(32, Offset<GgmlOptParams>(nameof(GgmlOptParams.LossType)));
        Assert.Equal(36, Offset<GgmlOptParams>(nameof(GgmlOptParams.BuildType)));
        Assert.Equal(40, Offset<GgmlOptParams>(nameof(GgmlOptParams.OptPeriod)));
        Assert.Equal(48, Offset<GgmlOptParams>(nameof(GgmlOptParams.GetOptParams)));
        Assert.Equal(56, Offset<GgmlOptParams>(nameof(GgmlOptParams.GetOptParamsUserData)));
        Assert.Equal(64, Offset<GgmlOptParams>(nameof(GgmlOptParams.Optimizer)));
        Assert.Equal(20, Offset<GgmlOptOptimizerParams>(nameof(GgmlOptOptimizerParams.SgdAlpha)));
        Assert.Equal(32, Offset<GgmlBackendDevProps>(nameof(GgmlBackendDevProps.Type)));
        Assert.Equal(40, Offset<GgmlBackendDevProps>(nameof(GgmlBackendDevProps.DeviceId)));
        Assert.Equal(48, Offset<GgmlBackendDevProps>(nameof(GgmlBackendDevProps.Caps)));
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
