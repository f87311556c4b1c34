using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>The config.json and preprocessor_config.json of a tiny Qwen3-VL checkpoint: Qwen3-VL-2B-Instruct's fields, tiny dimensions.</summary>
internal static class Qwen3VlTinyConfig
{
    /// <summary>Qwen3-VL's fields on top of the tiny config the factory builds for every family.</summary>
    public static QwenVlConfig Adapt(QwenVlConfig common, TinyModelOptions o, Func<string, int> tokenId) => common with
    {
        VideoTokenId = tokenId(QwenChatTemplate.VideoPad),
        Text = common.Text with
        {
            ExplicitHeadDim = o.HeadDim,
            RopeTheta = 5_000_000.0,
            MropeInterleaved = true,
            QkNorm = true,
            AttentionBias = false,
        },
        Vision = new QwenVlVisionConfig
        {
            Depth = o.VisionDepth,
            EmbedDim = o.VisionEmbedSize,
            NumHeads = o.VisionHeads,
            IntermediateSize = o.VisionEmbedSize * 4,
            PatchSize = 16,
            OutHiddenSize = o.HiddenSize,
            HiddenAct = "gelu_pytorch_tanh",
            NumPositionEmbeddings = TinyModelOptions.PositionGridSide * TinyModelOptions.PositionGridSide,
            DeepstackVisualIndexes = o.DeepstackIndexes(),
        },
    };

    /// <summary>Qwen3-VL's image processor settings: 16-pixel patches, mean/std 0.5, pixel bounds as published.</summary>
    public static PreprocessorConfig Preprocessor() => new()
    {
        ImageMean = [0.5, 0.5, 0.5],
        ImageStd = [0.5, 0.5, 0.5],
        PatchSize = 16,
        MinPixels = 65536,
        MaxPixels = 16777216,
        ImageProcessorType = "Qwen2VLImageProcessorFast",
        ProcessorClass = "Qwen3VLProcessor",
    };
}
