using DynamicCot.Keyphrases.Prompting;
using DynamicCot.Gguf;
using DynamicCot.Llama.Native;
using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>What to convert and how.</summary>
public sealed record ConversionOptions
{
    public GgufOutputType OutputType { get; init; } = GgufOutputType.F16;

    /// <summary>Name written to <c>general.name</c>; defaults to the checkpoint folder's name.</summary>
    public string? ModelName { get; init; }
}

/// <summary>Progress of a conversion: tensors written so far out of all tensors of both files.</summary>
public readonly record struct ConversionProgress(int TensorsDone, int TensorsTotal, string CurrentTensor, long BytesRead);

/// <summary>What a conversion produced.</summary>
public sealed record ConversionResult(string LanguageModelPath, string ProjectorPath, int LanguageModelTensors, int ProjectorTensors, long BytesRead);

/// <summary>
/// Converts a Hugging Face Qwen2-VL / Qwen2.5-VL / Qwen3-VL checkpoint (safetensors + config.json + tokenizer files +
/// preprocessor_config.json) into what llama.cpp serves: a <c>qwen2vl</c> (or <c>qwen3vl</c>) language-model GGUF and a
/// <c>qwen2vl_merger</c> / <c>qwen2.5vl_merger</c> / <c>qwen3vl_merger</c> mmproj GGUF. The config is read and checked
/// before anything is written, and each file appears whole or not at all. Tensors stream through one at a time, in
/// chunks, from the memory-mapped shards (each tensor's pages released once written), so memory stays far below the
/// model's size.
/// </summary>
public static class QwenVlGgufConverter
{
    public static ConversionResult Convert(string checkpointDirectory, string languageModelPath, string projectorPath,
        ConversionOptions? options = null, IProgress<ConversionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new ConversionOptions();
        if (!Directory.Exists(checkpointDirectory))
            throw new DirectoryNotFoundException($"The checkpoint folder '{checkpointDirectory}' does not exist.");
        var config = QwenVlConfig.Load(checkpointDirectory);
        var preprocessor = PreprocessorConfig.Load(checkpointDirectory);
        var vocabulary = QwenVocabularyBuilder.Build(checkpointDirectory, config);
        using var checkpoint = SafetensorsCheckpoint.Open(checkpointDirectory);

        var qwen3 = config.Architecture == QwenVlArchitecture.Qwen3Vl;
        var mapped = checkpoint.Tensors
            .SelectMany(t => qwen3 ? Qwen3VlTensorMapping.Map(t.Name, t.Shape.ToArray(), config.Vision) : QwenVlTensorMapping.Map(t.Name, t.Shape.ToArray()))
            .ToList();
        CheckComplete(checkpointDirectory, config, mapped);

        var name = options.ModelName ?? new DirectoryInfo(checkpointDirectory).Name;
        var language = new GgufWriter();
        if (qwen3)
            Qwen3VlGgufMetadata.WriteLanguageModel(language, config, vocabulary, options.OutputType, name);
        else
            WriteLanguageModelMetadata(language, config, vocabulary, options.OutputType, name);
        // How the checkpoint was trained to be asked (written by the trainer): serving uses the same image budget.
        if (ServingProfile.ReadFrom(checkpointDirectory) is { } profile)
        {
            foreach (var (key, value) in profile.MetadataEntries)
                language.Add(key, GgufValue.Int32(value));
        }
        // A Thinking checkpoint (its chat template opens <think> in the generation prompt) is served in its own format.
        language.AddBool(ChatTemplateThinking.MetadataKey, ChatTemplateThinking.OpensThinkBlock(vocabulary.ChatTemplate));
        var projector = new GgufWriter();
        if (qwen3)
            Qwen3VlGgufMetadata.WriteProjector(projector, config, preprocessor, options.OutputType, name);
        else
            WriteProjectorMetadata(projector, config, preprocessor, options.OutputType, name);

        var total = mapped.Count;
        var done = 0;
        long bytesRead = 0;
        foreach (var tensor in mapped.OrderBy(t => t.Target).ThenBy(t => TensorOrder(t.GgufName), StringComparer.Ordinal))
        {
            var writer = tensor.Target == GgufTarget.LanguageModel ? language : projector;
            var type = tensor.Target == GgufTarget.Projector && Quantization.ProjectorTensorRules.KeepsF32(tensor.GgufName)
                ? DynamicCot.Gguf.GgmlType.F32
                : options.OutputType.StorageTypeFor(tensor.Shape.Length);
            var source = checkpoint.GetInfo(tensor.SourceName);
            writer.AddTensor(tensor.GgufName, type, tensor.GgmlDims, stream =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                bytesRead += TensorStreamer.Copy(checkpoint, tensor, source, type, stream) * sizeof(float);
                checkpoint.Release(tensor.SourceName);
                progress?.Report(new ConversionProgress(++done, total, tensor.GgufName, bytesRead));
            });
        }

        language.WriteTo(languageModelPath);
        projector.WriteTo(projectorPath);
        return new ConversionResult(languageModelPath, projectorPath, language.TensorCount, projector.TensorCount, bytesRead);
    }

    // Layers in numeric order (blk.2 before blk.10), the rest by name: files read naturally in `inspect`.
    private static string TensorOrder(string name)
    {
        var parts = name.Split('.');
        return string.Join('.', parts.Select(p => int.TryParse(p, out var n) ? n.ToString("D5") : p));
    }

    private static void CheckComplete(string directory, QwenVlConfig config, IReadOnlyList<MappedTensor> mapped)
    {
        var names = mapped.Select(m => m.GgufName).ToHashSet(StringComparer.Ordinal);
        var required = config.Architecture == QwenVlArchitecture.Qwen3Vl ? Qwen3VlTensorMapping.Required(config).ToList() : Qwen2Required(config);
        var missing = required.Where(r => !names.Contains(r)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"The checkpoint '{directory}' is incomplete: no source for {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? $" and {missing.Count - 5} more" : "")}.");
        var duplicate = mapped.GroupBy(m => m.GgufName).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidDataException($"The checkpoint '{directory}' has two sources for '{duplicate.Key}': {string.Join(", ", duplicate.Select(d => d.SourceName))}.");
    }

    private static List<string> Qwen2Required(QwenVlConfig config)
    {
        var required = new List<string> { "token_embd.weight", "output_norm.weight", "v.patch_embd.weight", "v.patch_embd.weight.1", "mm.0.weight", "mm.2.weight" };
        if (!config.Text.TieWordEmbeddings)
            required.Add("output.weight");
        for (var i = 0; i < config.Text.NumHiddenLayers; i++)
            required.AddRange(new[] { "attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down" }.Select(t => $"blk.{i}.{t}.weight"));
        for (var i = 0; i < config.Vision.Depth; i++)
            required.AddRange(new[] { "ln1", "ln2", "attn_q", "attn_k", "attn_v", "attn_out", "ffn_up", "ffn_down" }.Select(t => $"v.blk.{i}.{t}.weight"));
        return required;
    }

    private static void WriteLanguageModelMetadata(GgufWriter writer, QwenVlConfig config, GgufVocabulary vocabulary, GgufOutputType type, string name)
    {
        const string arch = "qwen2vl";
        WriteDecoderKeys(writer, arch, config, vocabulary, type, name);
        // Written for other builds: llama.cpp 22dc605 ignores it for qwen2vl and runs RMSNorm with eps = 0.
        writer.AddFloat32($"{arch}.attention.layer_norm_rms_epsilon", (float)config.Text.RmsNormEps);
        WriteTokenizer(writer, vocabulary);
    }

    /// <summary>
    /// The keys every Qwen-VL decoder has in llama.cpp: general.*, sizes, head counts, RoPE base and the M-RoPE sections
    /// (4 values, padded with 0, summing to head_dim / 2).
    /// </summary>
    internal static void WriteDecoderKeys(GgufWriter writer, string arch, QwenVlConfig config, GgufVocabulary vocabulary, GgufOutputType type, string name)
    {
        var text = config.Text;
        var sections = new int[4];
        for (var i = 0; i < Math.Min(4, text.MropeSection.Count); i++)
            sections[i] = text.MropeSection[i];
        if (sections.Sum() * 2 != text.HeadDim)
            throw new InvalidDataException($"config.json: rope_scaling.mrope_section [{string.Join(", ", text.MropeSection)}] must sum to head_dim / 2 = {text.HeadDim / 2}.");

        writer.AddString("general.architecture", arch);
        writer.AddString("general.type", "model");
        writer.AddString("general.name", name);
        writer.AddUInt32("general.file_type", (uint)type.ToFileType());
        writer.AddUInt32($"{arch}.vocab_size", (uint)vocabulary.Tokens.Count);
        writer.AddUInt32($"{arch}.context_length", (uint)text.MaxPositionEmbeddings);
        writer.AddUInt32($"{arch}.embedding_length", (uint)text.HiddenSize);
        writer.AddUInt32($"{arch}.block_count", (uint)text.NumHiddenLayers);
        writer.AddUInt32($"{arch}.feed_forward_length", (uint)text.IntermediateSize);
        writer.AddUInt32($"{arch}.attention.head_count", (uint)text.NumAttentionHeads);
        writer.AddUInt32($"{arch}.attention.head_count_kv", (uint)text.NumKeyValueHeads);
        writer.AddFloat32($"{arch}.rope.freq_base", (float)text.RopeTheta);
        writer.AddArray<int>($"{arch}.rope.dimension_sections", sections);
    }

    /// <summary>The vocabulary keys llama.cpp's BPE tokenizer reads (shared by every family).</summary>
    internal static void WriteTokenizer(GgufWriter writer, GgufVocabulary vocabulary)
    {
        writer.AddString("tokenizer.ggml.model", GgufVocabulary.Model);
        writer.AddString("tokenizer.ggml.pre", GgufVocabulary.PreTokenizer);
        writer.AddStrings("tokenizer.ggml.tokens", vocabulary.Tokens);
        writer.AddArray<int>("tokenizer.ggml.token_type", vocabulary.TokenTypes.Select(t => (int)t).ToArray());
        writer.AddStrings("tokenizer.ggml.merges", vocabulary.Merges);
        writer.AddUInt32("tokenizer.ggml.bos_token_id", (uint)vocabulary.BosTokenId);
        writer.AddUInt32("tokenizer.ggml.eos_token_id", (uint)vocabulary.EosTokenId);
        writer.AddUInt32("tokenizer.ggml.padding_token_id", (uint)vocabulary.PaddingTokenId);
        writer.AddBool("tokenizer.ggml.add_bos_token", vocabulary.AddBos);
        if (vocabulary.ChatTemplate is { Length: > 0 } template)
            writer.AddString("tokenizer.chat_template", template);
    }

    private static void WriteProjectorMetadata(GgufWriter writer, QwenVlConfig config, PreprocessorConfig preprocessor, GgufOutputType type, string name)
    {
        var vision = config.Vision;
        WriteProjectorKeys(writer, config, preprocessor, type, name, imageSize: 560);
        if (config.Architecture == QwenVlArchitecture.Qwen25Vl)
        {
            writer.AddBool("clip.use_silu", true);
            writer.AddUInt32("clip.vision.n_wa_pattern", (uint)WindowAttentionPattern(vision));
        }
    }

    /// <summary>
    /// The <c>general.*</c> and <c>clip.vision.*</c> keys every Qwen-VL projector carries, in llama.cpp's converter's
    /// order; the family's own keys follow. <paramref name="imageSize"/> is the side mtmd preprocesses to.
    /// </summary>
    internal static void WriteProjectorKeys(GgufWriter writer, QwenVlConfig config, PreprocessorConfig preprocessor, GgufOutputType type, string name, int imageSize)
    {
        var vision = config.Vision;
        writer.AddString("general.architecture", "clip");
        writer.AddString("general.type", "mmproj");
        writer.AddString("general.name", name);
        writer.AddUInt32("general.file_type", (uint)type.ToFileType());
        writer.AddBool("clip.has_vision_encoder", true);
        writer.AddString("clip.projector_type", config.Architecture.ProjectorType());
        writer.AddUInt32("clip.vision.projection_dim", (uint)config.Text.HiddenSize);
        writer.AddUInt32("clip.vision.image_size", (uint)imageSize);
        writer.AddUInt32("clip.vision.patch_size", (uint)vision.PatchSize);
        writer.AddUInt32("clip.vision.embedding_length", (uint)vision.EmbedDim);
        writer.AddUInt32("clip.vision.feed_forward_length", (uint)vision.IntermediateSize);
        writer.AddUInt32("clip.vision.block_count", (uint)vision.Depth);
        writer.AddUInt32("clip.vision.attention.head_count", (uint)vision.NumHeads);
        writer.AddFloat32("clip.vision.attention.layer_norm_epsilon", (float)config.Text.RmsNormEps);
        writer.AddArray<float>("clip.vision.image_mean", preprocessor.ImageMean.Select(v => (float)v).ToArray());
        writer.AddArray<float>("clip.vision.image_std", preprocessor.ImageStd.Select(v => (float)v).ToArray());
        writer.AddUInt32("clip.vision.spatial_merge_size", (uint)vision.SpatialMergeSize);
    }

    /// <summary>Qwen2.5-VL runs full attention every n-th block; llama.cpp needs n, derived from <c>fullatt_block_indexes</c>.</summary>
    private static int WindowAttentionPattern(QwenVlVisionConfig vision)
    {
        var full = vision.FullAttentionBlockIndexes;
        if (full.Count == 0)
            throw new InvalidDataException("config.json: vision_config.fullatt_block_indexes is required for Qwen2.5-VL.");
        var pattern = full[0] + 1;
        for (var i = 1; i < full.Count; i++)
            if (full[i] - full[i - 1] != pattern)
                throw new InvalidDataException($"config.json: vision_config.fullatt_block_indexes [{string.Join(", ", full)}] is not evenly spaced; llama.cpp needs a fixed window-attention pattern.");
        return pattern;
    }
}
