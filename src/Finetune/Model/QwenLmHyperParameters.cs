using DynamicCot.LlamaCpp.Gguf;

namespace DynamicCot.Finetune.Model;

/// <summary>The shape of a <c>qwen2vl</c> language model, read from its GGUF.</summary>
public sealed record QwenLmHyperParameters(
    int EmbeddingSize,
    int FeedForwardSize,
    int LayerCount,
    int HeadCount,
    int KvHeadCount,
    int VocabularySize,
    int ContextLength,
    float RopeFreqBase,
    int[] RopeSections,
    float FileRmsNormEpsilon,
    bool TiedOutput)
{
    public const string Architecture = "qwen2vl";

    public int HeadSize => EmbeddingSize / HeadCount;

    public int KvSize => KvHeadCount * HeadSize;

    public static QwenLmHyperParameters Read(GgufFile file)
    {
        var arch = file.Metadata.GetString("general.architecture");
        if (arch != Architecture)
            throw new InvalidDataException($"{file.Path}: the trainer supports '{Architecture}' language models, not '{arch}'.");
        uint U(string key) => file.Metadata.GetUInt32($"{arch}.{key}");
        var sections = file.Metadata.GetArray<int>($"{arch}.rope.dimension_sections");
        if (sections.Length != 4)
            throw new InvalidDataException($"{file.Path}: {arch}.rope.dimension_sections must have 4 entries, has {sections.Length}.");
        var embd = file.GetTensor("token_embd.weight");
        var parameters = new QwenLmHyperParameters(
            (int)U("embedding_length"), (int)U("feed_forward_length"), (int)U("block_count"),
            (int)U("attention.head_count"), (int)U("attention.head_count_kv"), (int)embd.Dimensions[1],
            (int)U("context_length"), file.Metadata.GetFloat32($"{arch}.rope.freq_base"), sections,
            file.Metadata.TryGetFloat32($"{arch}.attention.layer_norm_rms_epsilon", out var eps) ? eps : 1e-6f,
            !file.TryGetTensor("output.weight", out _));
        if (parameters.EmbeddingSize % parameters.HeadCount != 0 || parameters.HeadCount % parameters.KvHeadCount != 0)
            throw new InvalidDataException($"{file.Path}: {parameters.EmbeddingSize} embedding / {parameters.HeadCount} heads / {parameters.KvHeadCount} KV heads do not divide.");
        if (sections.Sum() * 2 != parameters.HeadSize)
            throw new InvalidDataException($"{file.Path}: rope sections [{string.Join(", ", sections)}] do not cover head size {parameters.HeadSize}.");
        return parameters;
    }
}
