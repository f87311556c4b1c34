using DynamicCot.Gguf;
using DynamicCot.ModelFiles.HuggingFace;

namespace DynamicCot.ModelFiles.Qwen;

/// <summary>
/// The metadata llama.cpp c0c7e147 reads from a Qwen3-VL pair, as its own converter writes it (conversion/qwen3vl.py
/// <c>Qwen3VLTextModel</c> / <c>Qwen3VLVisionModel</c>, read at ggml-org/llama.cpp 06e514f6).
/// </summary>
internal static class Qwen3VlGgufMetadata
{
    public const string Architecture = "qwen3vl";

    /// <summary>
    /// <c>qwen3vl.*</c>: the Qwen2 keys plus the head size (<c>attention.key_length</c>/<c>value_length</c>, since
    /// Qwen3-VL's head_dim is not hidden / heads in every size), the interleaved M-RoPE sections
    /// (<c>llama_model_qwen3vl::load_arch_hparams</c> requires 4 values) and <c>n_deepstack_layers</c>, which widens the
    /// decoder's input rows to hidden × (1 + n) so DeepStack features ride along with each image embedding.
    /// </summary>
    public static void WriteLanguageModel(GgufWriter writer, QwenVlConfig config, GgufVocabulary vocabulary, GgufOutputType type, string name)
    {
        const string arch = Architecture;
        var text = config.Text;
        QwenVlGgufConverter.WriteDecoderKeys(writer, arch, config, vocabulary, type, name);
        writer.AddUInt32($"{arch}.attention.key_length", (uint)text.HeadDim);
        writer.AddUInt32($"{arch}.attention.value_length", (uint)text.HeadDim);
        writer.AddFloat32($"{arch}.attention.layer_norm_rms_epsilon", (float)text.RmsNormEps);
        writer.AddUInt32($"{arch}.n_deepstack_layers", (uint)config.Vision.DeepstackVisualIndexes.Count);
        QwenVlGgufConverter.WriteTokenizer(writer, vocabulary);
    }

    /// <summary>
    /// <c>clip.*</c> for the <c>qwen3vl_merger</c> projector: GELU (tanh) MLPs, the LayerNorm epsilon taken from the text
    /// config as llama.cpp's converter does, the image size implied by the learned position grid, and one flag per vision
    /// block saying whether it feeds DeepStack (<c>clip.vision.is_deepstack_layers</c>, clip-impl.h).
    /// </summary>
    public static void WriteProjector(GgufWriter writer, QwenVlConfig config, PreprocessorConfig preprocessor, GgufOutputType type, string name)
    {
        var vision = config.Vision;
        var side = (int)Math.Round(Math.Sqrt(vision.NumPositionEmbeddings ?? 2304));
        var deepstack = new bool[vision.Depth];
        foreach (var index in vision.DeepstackVisualIndexes)
            deepstack[index] = true;

        QwenVlGgufConverter.WriteProjectorKeys(writer, config, preprocessor, type, name, imageSize: side * vision.PatchSize);
        writer.AddBool("clip.use_gelu", true);
        writer.AddArray<bool>("clip.vision.is_deepstack_layers", deepstack);
    }
}
