using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>What <see cref="TinyQwenVlFactory.Create"/> wrote.</summary>
public sealed record TinyModelResult(string Directory, long ParameterCount, int VocabularySize);

/// <summary>
/// Writes a tiny Hugging Face checkpoint of the real Qwen2-VL / Qwen2.5-VL / Qwen3-VL architecture: seeded random weights under
/// the real tensor names, a real config.json, a byte-level BPE tokenizer whose merges are learned from the given texts
/// (with Qwen's special tokens and ChatML chat template), and a preprocessor config. Everything downstream (convert,
/// serve, train) treats it exactly like a downloaded checkpoint.
/// </summary>
public static class TinyQwenVlFactory
{
    /// <summary>A tiny checkpoint whose tokenizer is learned from <paramref name="corpus"/>.</summary>
    public static TinyModelResult Create(string directory, TinyModelOptions options, IEnumerable<string> corpus)
    {
        options.Validate();
        var tokenizer = ByteLevelBpeTrainer.TrainQwenTokenizer(corpus, new ByteLevelBpeTrainerOptions
        {
            VocabSize = options.TokenizerVocabSize,
            PlainAddedTokens = options.Architecture == QwenVlArchitecture.Qwen3Vl ? QwenChatTemplate.Qwen3ThinkTokens : [],
        });
        if (options.ChatTemplate is { } template)
            tokenizer = tokenizer.WithChatTemplate(template);
        var tokenCount = tokenizer.GetTokenTable().Count;
        // Like the published checkpoints, the embedding matrix is padded past the tokenizer (to a multiple of 64).
        var vocabSize = (tokenCount + 63) / 64 * 64;
        return RandomCheckpoint.Write(directory, BuildConfig(options, tokenizer, vocabSize), tokenizer,
            new RandomCheckpointOptions { Seed = options.Seed, StoreAs = options.StoreAs, MaxShardBytes = options.MaxShardBytes });
    }

    /// <summary>
    /// A tiny checkpoint with a real tokenizer (<see cref="FamilyTokenizer.Import"/>): small layers, but the embedding
    /// has the published 151,936 rows, so every token id a real checkpoint can see exists.
    /// </summary>
    public static TinyModelResult Create(string directory, TinyModelOptions options, HfTokenizer tokenizer, IProgress<RandomCheckpointProgress>? progress = null)
    {
        options.Validate();
        if (options.ChatTemplate is { } template)
            tokenizer = tokenizer.WithChatTemplate(template);
        var tokenCount = tokenizer.GetTokenTable().Count;
        var vocabSize = Math.Max(ModelPresets.QwenVocabSize, (tokenCount + 63) / 64 * 64);
        return RandomCheckpoint.Write(directory, BuildConfig(options, tokenizer, vocabSize), tokenizer,
            new RandomCheckpointOptions { Seed = options.Seed, StoreAs = options.StoreAs, MaxShardBytes = options.MaxShardBytes }, progress);
    }

    private static QwenVlConfig BuildConfig(TinyModelOptions o, HfTokenizer tokenizer, int vocabSize)
    {
        int Id(string token) => tokenizer.TokenId(token) ?? throw new InvalidOperationException($"The trained tokenizer lacks {token}.");
        var qwen25 = o.Architecture == QwenVlArchitecture.Qwen25Vl;
        var config = new QwenVlConfig
        {
            Architecture = o.Architecture,
            TorchDtype = o.StoreAs == SafetensorsDType.F32 ? "float32" : o.StoreAs == SafetensorsDType.BF16 ? "bfloat16" : "float16",
            VisionStartTokenId = Id(QwenChatTemplate.VisionStart),
            VisionEndTokenId = Id(QwenChatTemplate.VisionEnd),
            ImageTokenId = Id(QwenChatTemplate.ImagePad),
            Text = new QwenVlTextConfig
            {
                HiddenSize = o.HiddenSize,
                IntermediateSize = o.IntermediateSize,
                NumHiddenLayers = o.Layers,
                NumAttentionHeads = o.Heads,
                NumKeyValueHeads = o.KvHeads,
                VocabSize = vocabSize,
                RmsNormEps = 1e-6,
                RopeTheta = 1_000_000.0,
                MaxPositionEmbeddings = 4096,
                TieWordEmbeddings = o.Tied,
                MropeSection = o.MropeSections(),
                BosTokenId = Id(QwenChatTemplate.EndOfText),
                EosTokenId = Id(QwenChatTemplate.ImEnd),
            },
            Vision = new QwenVlVisionConfig
            {
                Depth = o.VisionDepth,
                EmbedDim = o.VisionEmbedSize,
                NumHeads = o.VisionHeads,
                IntermediateSize = qwen25 ? TinyWeights.VisionIntermediate(o) : o.VisionEmbedSize * 4,
                MlpRatio = qwen25 ? null : 4,
                OutHiddenSize = o.HiddenSize,
                WindowSize = qwen25 ? 112 : null,
                FullAttentionBlockIndexes = qwen25 ? Enumerable.Range(0, o.VisionDepth).Where(i => i % 2 == 1).ToArray() : [],
                HiddenAct = qwen25 ? "silu" : "quick_gelu",
            },
        };
        return o.Architecture == QwenVlArchitecture.Qwen3Vl ? Qwen3VlTinyConfig.Adapt(config, o, Id) : config;
    }
}
