using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>The config.json and preprocessor_config.json of a tiny Qwen3-VL checkpoint: Qwen3-VL-2B-Instruct's fields, tiny dimensions.</summary>
internal static class Qwen3VlTinyConfig
{
    public static QwenVlConfig Build(TinyModelOptions o, Func<string, int> tokenId, int vocabSize) => new()
    {
        Architecture = QwenVlArchitecture.Qwen3Vl,
        TorchDtype = o.StoreAs == SafetensorsDType.F32 ? "float32" : o.StoreAs == SafetensorsDType.BF16 ? "bfloat16" : "float16",
        VisionStartTokenId = tokenId(QwenChatTemplate.VisionStart),
        VisionEndTokenId = tokenId(QwenChatTemplate.VisionEnd),
        ImageTokenId = tokenId(QwenChatTemplate.ImagePad),
        VideoTokenId = tokenId(QwenChatTemplate.VideoPad),
        Text = new QwenVlTextConfig
        {
            HiddenSize = o.HiddenSize,
            IntermediateSize = o.IntermediateSize,
            NumHiddenLayers = o.Layers,
            NumAttentionHeads = o.Heads,
            NumKeyValueHeads = o.KvHeads,
            ExplicitHeadDim = o.HeadDim,
            VocabSize = vocabSize,
            RmsNormEps = 1e-6,
            RopeTheta = 5_000_000.0,
            MaxPositionEmbeddings = 4096,
            TieWordEmbeddings = o.Tied,
            MropeSection = o.MropeSections(),
            MropeInterleaved = true,
            QkNorm = true,
            AttentionBias = false,
            BosTokenId = tokenId(QwenChatTemplate.EndOfText),
            EosTokenId = tokenId(QwenChatTemplate.ImEnd),
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
